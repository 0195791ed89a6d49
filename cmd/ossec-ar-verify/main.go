// Command ossec-ar-verify is the ossec-ar-verify-file active response; see
// package arverify and docs/ar-verify.md.
package main

import (
	"os"

	"github.com/ossec-ruletest/ossec-ruletest/internal/arverify"
)

func main() { os.Exit(arverify.Main(os.Args, os.Stdout, os.Stderr)) }
