package docker

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// actionlintVersion is the actionlint release the workflow is checked
// with, installed from the Go module proxy (no binary is checked in).
const actionlintVersion = "v1.7.12"

// offline matches the go command's words for a module proxy it cannot
// reach, as opposed to a build failure.
var offline = regexp.MustCompile(`dial tcp|no such host|connection refused|i/o timeout|TLS handshake timeout|proxyconnect|network is unreachable|GOPROXY=off|GOFLAGS=-mod=vendor|403 Forbidden|404 Not Found|410 Gone`)

// TestWorkflowLints runs actionlint on the rules repository workflow in
// .github/workflows.
func TestWorkflowLints(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: actionlint is built from source")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	workflows, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(workflows) == 0 {
		t.Fatalf("no workflow in %s/.github/workflows: %v", root, err)
	}
	gobin := t.TempDir()
	install := exec.Command("go", "install", "github.com/rhysd/actionlint/cmd/actionlint@"+actionlintVersion)
	install.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	install.Dir = gobin // outside the module: go install pkg@version ignores it anyway
	if out, err := install.CombinedOutput(); err != nil {
		if offline.Match(out) {
			t.Skipf("cannot install actionlint %s from the Go module proxy: %s", actionlintVersion, strings.TrimSpace(string(out)))
		}
		t.Fatalf("go install actionlint: %v\n%s", err, out)
	}
	lint := exec.Command(filepath.Join(gobin, "actionlint"), append([]string{"-no-color"}, workflows...)...)
	lint.Dir = root
	if out, err := lint.CombinedOutput(); err != nil {
		t.Errorf("actionlint found problems: %v\n%s", err, out)
	}
}

// TestWorkflowCoversTheGate checks the parts of the workflow that the
// issue asks for, which actionlint cannot know about.
func TestWorkflowCoversTheGate(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", ".github", "workflows", "ruletest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	wf := string(b)
	for _, want := range []string{
		"go test ./...",
		"run --engine native",
		// Both jobs run docker engines or base: the program that has them.
		"./cmd/ossec-ruletest ./cmd/ossec-ruletest-docker)",
		"./cmd/ossec-ruletest ./cmd/ossec-ruletest-docker ./cmd/ossec-ar-verify)",
		"run --engine docker --image ossec-ruletest-manager:ci",
		"run --engine docker-live --image ossec-ruletest-manager:ci",
		`ossec-ruletest base --image "$OSSEC_IMAGE" "$RUNNER_TEMP/ossec-base"`,
		`--base "$RUNNER_TEMP/ossec-base"`,
		"OSSEC_IMAGE: atomicorp/ossec-docker:4.3.0",
		"RULETEST_REF: v1.0.0-ossec4.3.0",
		"containers/manager/Dockerfile",
		"actions/upload-artifact",
		"GITHUB_STEP_SUMMARY",
		"label=org.ossec-ruletest.managed=1",
	} {
		if !strings.Contains(wf, want) {
			t.Errorf("workflow lacks %q", want)
		}
	}
	if !strings.Contains(wf, LabelManaged) {
		t.Errorf("workflow's leftover check does not use the label %s", LabelManaged)
	}
}
