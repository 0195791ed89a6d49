// Command ossec-ruletest tests OSSEC rules and decoders: it runs txtar test
// cases on a native re-implementation of OSSEC 4.3.0's analysisd, and
// stands in for ossec-logtest. See internal/cli for the commands.
package main

import (
	"os"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cli"
)

func main() { os.Exit(cli.Main()) }
