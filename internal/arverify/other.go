//go:build !linux

package arverify

import (
	"fmt"
	"io"
)

// Main reports that the program runs on Linux only: it relies on openat,
// O_PATH, O_NOFOLLOW, flock and Linux's extended attributes, and OSSEC
// agents on other systems are not supported (see docs/ar-verify.md). This
// lets the tools that include it (ossec-ruletest installs it as the active
// response of a Linux manager image) build everywhere.
func Main(argv []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ossec-ar-verify-file runs on Linux only")
	return 1
}
