package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWorkflowPinsThisRelease: the workflow a rules repository adopts
// builds the tools from RULETEST_REF, which must be the release `version`
// prints (the tag of this tree), and its OSSEC_IMAGE must name the OSSEC
// version the tool models, by tag (optionally pinned by digest too).
func TestWorkflowPinsThisRelease(t *testing.T) {
	const workflow = "../../.github/workflows/ruletest.yml"
	data, err := os.ReadFile(workflow)
	if err != nil {
		t.Fatal(err)
	}
	env := func(name string) string {
		m := regexp.MustCompile(`(?m)^  ` + name + `: *(\S+) *$`).FindStringSubmatch(string(data))
		if m == nil {
			t.Fatalf("%s: no env %s in the workflow's top-level env", filepath.Base(workflow), name)
		}
		return m[1]
	}
	var out bytes.Buffer
	if code := Run([]string{"version"}, &out, &out); code != ExitOK {
		t.Fatalf("version: exit %d: %s", code, out.String())
	}
	if !strings.HasPrefix(out.String(), "ossec-ruletest "+Release+" ") {
		t.Errorf("version prints %q, want the release %s first", out.String(), Release)
	}
	if ref := env("RULETEST_REF"); ref != Release {
		t.Errorf("%s: RULETEST_REF is %s, version says %s: they must agree (the workflow builds the tools from that tag)", workflow, ref, Release)
	}
	if !strings.HasSuffix(Release, "-ossec"+OSSECVersion) {
		t.Errorf("release %s does not name the OSSEC version modelled, %s", Release, OSSECVersion)
	}
	image := regexp.MustCompile(`^[a-z0-9./_-]+:` + regexp.QuoteMeta(OSSECVersion) + `(@sha256:[0-9a-f]{64})?$`)
	if img := env("OSSEC_IMAGE"); !image.MatchString(img) {
		t.Errorf("%s: OSSEC_IMAGE %s: want NAME:%s, or NAME:%s@sha256:DIGEST pinned by digest", workflow, img, OSSECVersion, OSSECVersion)
	}
}
