// Command skipped prints one line for each data set or tool that the
// tests skip without (the stock ruleset, the recordings of real OSSEC,
// pcre2test, Docker, a real OSSEC), as they say it, so that a passing
// go test ./... does not hide what it left untested. The README's test
// command runs it after the tests:
//
//	go test ./... && go run ./internal/testenv/skipped
//
// Under CI=true, a missing data set that CI has exits 1.
package main

import (
	"fmt"
	"os"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func main() {
	code := 0
	missing := testenv.Missing()
	for _, m := range missing {
		kind := "skipped"
		if m.Required && testenv.CI() {
			kind, code = "FAIL (CI=true)", 1
		}
		fmt.Printf("%s, %s: to run the tests that need it, %s\n", kind, m.What, m.How)
	}
	if len(missing) == 0 {
		fmt.Println("no test skipped for want of data: every data set and tool is there")
	}
	os.Exit(code)
}
