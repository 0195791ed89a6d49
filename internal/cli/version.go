package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// OSSECVersion is the OSSEC release whose analysisd, ossec-logtest and
// configuration reading the tool models.
const OSSECVersion = "4.3.0"

// Release is the release tag of this source tree: the ossec-ruletest
// version, then the OSSEC version it models. The CI workflow a rules
// repository adopts (.github/workflows/ruletest.yml) builds the tools from
// this tag (its RULETEST_REF, which a test keeps equal to Release), so the
// tag must be pushed when the release is made: until then it does not
// exist (see docs/docker.md).
const Release = "v1.0.0-ossec" + OSSECVersion

func init() {
	RegisterCommand("version", "print the tool's version and the OSSEC version it models", runVersion)
}

// toolVersion is the tool's module version as the build recorded it: a
// release tag for `go install ...@vX.Y.Z`, else "(devel)" followed by the
// VCS revision when the build knows it.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if v == "(devel)" && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + modified
	}
	return v
}

// versionLine is what `version` and `--version` print: the release, the
// build (the module version, or (devel) and the revision), Go and the
// platform, and the OSSEC version modelled.
func versionLine() string {
	return fmt.Sprintf("ossec-ruletest %s (build %s, %s, %s/%s), models OSSEC %s\n", Release, toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, OSSECVersion)
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			fmt.Fprintln(stderr, "usage: ossec-ruletest version\n\nPrints the tool's release (the tag of its source tree, which CI\nworkflows pin as RULETEST_REF), its build (its module version, or (devel)\nand the revision for a build from a checkout) and the OSSEC version it\nmodels.")
			return ExitOK
		}
		fmt.Fprintf(stderr, "ossec-ruletest version: takes no arguments\n")
		return ExitUsage
	}
	io.WriteString(stdout, versionLine())
	return ExitOK
}
