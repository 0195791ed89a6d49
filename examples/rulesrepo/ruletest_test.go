package rulesrepo

import (
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

// TestCases runs cases/*.txtar on this directory's decoders and rules, as
// a rules repository's own go test does.
func TestCases(t *testing.T) { harness.Test(t, "cases") }
