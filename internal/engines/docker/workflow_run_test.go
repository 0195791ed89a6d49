package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v2"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// workflowFile is the CI workflow a rules repository adopts.
const workflowFile = "../../../.github/workflows/ruletest.yml"

// workflow is the part of a GitHub Actions workflow the run test reads.
type workflow struct {
	Env  map[string]string      `yaml:"env"`
	Jobs map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	Steps []workflowStep `yaml:"steps"`
}

type workflowStep struct {
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	With map[string]string `yaml:"with"`
}

// busybox is where Debian's busybox-static puts its static binary: the
// shell and tools the manager image's install.sh needs in the stand-in.
const busybox = "/bin/busybox"

// TestWorkflowRunsEveryStep runs every `run:` step of the workflow, in
// the order of its two jobs, as GitHub runs them for a rules repository
// that adopted it: in a copy of this repository's rules, decoders,
// ossec.conf and cases (with a go.mod and a test of its own, so that the
// go test step runs too), with ossec-ruletest checked out in .ruletest
// (a link to this checkout), under bash -eo pipefail with GitHub's
// variables (RUNNER_TEMP, GITHUB_PATH, GITHUB_STEP_SUMMARY, CI=true) and
// the workflow's env, evaluating each step's if: (hashFiles, always()).
// OSSEC_IMAGE is the stand-in image built with the stock ruleset as its
// installation, plus a shell (busybox-static): the manager job's docker
// build runs containers/manager/install.sh in it; and, in a second run,
// RULETEST_OSSEC_IMAGE when it names a real OSSEC image. A step that fails
// fails the test, except the live injection step, which on a stand-in
// must fail exactly with the engine's refusal (it has no daemons), and
// the leftover-container check, which on a shared Docker engine counts
// only the containers of this test's own images. The manager image tag is
// made unique to the test. The "Docker engine tests on the real image"
// step runs only in this repository itself (its if: is false for a rules
// repository, which the test checks).
func TestWorkflowRunsEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the tool and two images, and runs the cases three times")
	}
	pool := dockerOrSkip(t)
	t.Run("standin", func(t *testing.T) {
		if _, err := os.Stat(busybox); err != nil {
			if testenv.CI() {
				t.Fatalf("needs %s for a shell in the stand-in (apt-get install busybox-static; .ci/run installs it): %v", busybox, err)
			}
			t.Skipf("needs %s for a shell in the stand-in (apt-get install busybox-static): %v", busybox, err)
		}
		standin, err := ensureStandin(context.Background(), pool, Config{Image: ImageStandin, Executable: realRuletest(t), StandinBase: testenv.StockRuleset(t), Log: testWriter{t}})
		if err != nil {
			t.Fatal(err)
		}
		runWorkflow(t, shellStandin(t, standin), true)
	})
	// On a real OSSEC image every step must pass, live injection too.
	t.Run("real image", func(t *testing.T) {
		runWorkflow(t, testenv.OSSECImage(t), false)
	})
}

// runWorkflow runs the workflow's run: steps with OSSEC_IMAGE image (see
// TestWorkflowRunsEveryStep); standin says it is the stand-in.
func runWorkflow(t *testing.T, image string, standin bool) {
	data, err := os.ReadFile(workflowFile)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	root := testenv.ModuleRoot(t)
	ctx := context.Background()
	manager := fmt.Sprintf("ossec-ruletest-manager:workflow-test-%d-%s", os.Getpid(), map[bool]string{true: "standin", false: "real"}[standin])
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", manager).Run() })

	// Each job runs on a new runner: a new checkout and RUNNER_TEMP.
	newRunner := func() (repo, runnerTemp, ghPath, summary string) {
		repo, runnerTemp = t.TempDir(), t.TempDir()
		for _, p := range []string{"rules", "decoders", "cases", "ossec.conf"} {
			if out, err := exec.Command("cp", "-r", filepath.Join(root, p), repo).CombinedOutput(); err != nil {
				t.Fatalf("cp %s: %v\n%s", p, err, out)
			}
		}
		for name, text := range map[string]string{
			"go.mod":        "module example.com/rules\n\ngo 1.26\n",
			"rules_test.go": "package rules\n\nimport \"testing\"\n\nfunc TestRepository(t *testing.T) {}\n",
			".dockerignore": ".ruletest\n",
		} {
			if err := os.WriteFile(filepath.Join(repo, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ghPath = filepath.Join(runnerTemp, "github_path")
		summary = filepath.Join(runnerTemp, "step_summary")
		for _, f := range []string{ghPath, summary} {
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	baseEnv := map[string]string{}
	for k, v := range wf.Env {
		baseEnv[k] = v
	}
	baseEnv["OSSEC_IMAGE"] = image
	ran := 0
	for _, job := range []string{"native", "manager"} {
		steps := wf.Jobs[job].Steps
		if len(steps) == 0 {
			t.Fatalf("%s: no job %q", workflowFile, job)
		}
		repo, runnerTemp, ghPath, summary := newRunner()
		failed := false
		for i, st := range steps {
			name := st.Name
			if name == "" {
				name = st.Uses
			}
			where := fmt.Sprintf("%s: job %s, step %d (%s)", workflowFile, job, i+1, name)
			if !stepIf(t, where, st.If, repo, failed) {
				t.Logf("%s: skipped (if: %s)", where, st.If)
				// Only the real-image tests are this repository's own
				// (see the doc comment); any other run step must run.
				if st.Run != "" && !strings.Contains(st.Run, "RealImage") {
					t.Errorf("%s: a run step the test did not execute", where)
				}
				continue
			}
			if st.Uses != "" {
				usesStep(t, where, st, repo, root)
				continue
			}
			script := strings.ReplaceAll(st.Run, "ossec-ruletest-manager:ci", manager)
			env := map[string]string{}
			for k, v := range baseEnv {
				env[k] = v
			}
			for k, v := range st.Env {
				env[k] = expand(t, where, v, baseEnv)
			}
			env["CI"], env["GITHUB_ACTIONS"] = "true", "true"
			env["RUNNER_TEMP"], env["GITHUB_PATH"], env["GITHUB_STEP_SUMMARY"], env["GITHUB_WORKSPACE"] = runnerTemp, ghPath, summary, repo
			start := time.Now()
			out, err := runStep(ctx, repo, script, env, ghPath)
			ran++
			last := strings.TrimSpace(out)
			if i := strings.LastIndexByte(last, '\n'); i >= 0 {
				last = last[i+1:]
			}
			t.Logf("%s: %s, %.1fs: %s", where, map[bool]string{true: "passed", false: "failed"}[err == nil], time.Since(start).Seconds(), last)
			switch {
			case standin && strings.Contains(script, "--engine docker-live"):
				const refusal = "live injection needs a real OSSEC manager image (the stand-in has no daemons)"
				if err == nil || !strings.Contains(out, refusal) {
					t.Errorf("%s: on the stand-in want the refusal %q, got %v:\n%s", where, refusal, err, tail(out))
				}
			case err != nil && strings.Contains(script, "label=org.ossec-ruletest.managed=1"):
				// A shared Docker engine runs other tests' containers:
				// only those of this test's images count (a real
				// OSSEC_IMAGE is others' too: only the manager image).
				ours := []string{manager}
				if standin {
					ours = append(ours, image)
				}
				for _, img := range ours {
					left, _ := exec.Command("docker", "ps", "-aq", "--filter", "label="+LabelManaged+"=1", "--filter", "ancestor="+img).Output()
					if len(bytes.TrimSpace(left)) > 0 {
						t.Errorf("%s: containers of %s left behind: %s\n%s", where, img, left, tail(out))
					}
				}
			case err != nil:
				failed = true
				t.Errorf("%s: %v\n%s", where, err, tail(out))
			}
		}
		if sum, _ := os.ReadFile(summary); !bytes.Contains(sum, []byte("### ossec-ruletest: ")) || !bytes.Contains(sum, []byte("| cases | failed | skipped |")) {
			t.Errorf("job %s: the job summary is not what the summary step writes:\n%s", job, sum)
		}
	}
	if ran < 10 {
		t.Errorf("ran %d run steps, want every one of the workflow's", ran)
	}
}

// shellStandin builds, from the stand-in image ref, one with busybox as
// /bin/sh and its other tools, and root and ossec in /etc/passwd and
// /etc/group, and returns it; the test removes it.
func shellStandin(t *testing.T, ref string) string {
	t.Helper()
	list, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		t.Fatalf("%s --list: %v", busybox, err)
	}
	bin, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	file := func(name, text string) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(text))})
		tw.Write([]byte(text))
	}
	// Users and groups as an OSSEC server image has them (install.sh
	// gives files to root and the ossec group).
	file("Dockerfile", "FROM "+ref+"\nCOPY bin/ /bin/\nCOPY etc/ /etc/\n")
	tw.WriteHeader(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755})
	file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nossec:x:1000:1000::/var/ossec:/bin/false\n")
	file("etc/group", "root:x:0:\nossec:x:1000:\n")
	tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))})
	tw.Write(bin)
	for _, applet := range strings.Fields(string(list)) {
		if applet != "busybox" {
			tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777})
		}
	}
	tw.Close()
	h := sha256.Sum256(append([]byte(ref), bin...))
	name := "ossec-ruletest-standin-sh:" + hex.EncodeToString(h[:8])
	cmd := exec.Command("docker", "build", "-q", "-t", name, "-")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", name).Run() })
	return name
}

// stepIf evaluates the if: forms the workflow uses: hashFiles of a path
// equal or not equal to the empty string, and always(); with none, a step
// runs unless one failed.
func stepIf(t *testing.T, where, cond, repo string, failed bool) bool {
	t.Helper()
	if cond == "" {
		return !failed
	}
	if cond == "always()" {
		return true
	}
	m := regexp.MustCompile(`^hashFiles\('([^']+)'\) (==|!=) ''$`).FindStringSubmatch(cond)
	if m == nil {
		t.Fatalf("%s: if: %q is not a form the test knows (hashFiles('P') == '' / != '', always()): teach stepIf", where, cond)
	}
	matches, _ := filepath.Glob(filepath.Join(repo, m[1]))
	return !failed && (len(matches) == 0) == (m[2] == "==")
}

// usesStep does what an action step does for the test: actions/checkout
// of the repository is the rules repository already there, of
// ossec-ruletest a link to this checkout at its path; setup-go and
// upload-artifact need nothing (go is on PATH; the artifacts are checked
// by the summary). Another action fails the test: teach it.
func usesStep(t *testing.T, where string, st workflowStep, repo, root string) {
	t.Helper()
	action, _, _ := strings.Cut(st.Uses, "@")
	switch {
	case action == "actions/checkout" && st.With["repository"] == "":
	case action == "actions/checkout" && st.With["repository"] == "ossec-ruletest/ossec-ruletest":
		if err := os.Symlink(root, filepath.Join(repo, st.With["path"])); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
	case action == "actions/setup-go", action == "actions/upload-artifact":
	default:
		t.Fatalf("%s: uses %s, which the test does not know: teach usesStep", where, st.Uses)
	}
}

// expand replaces ${{ env.NAME }} in a step's env value; another
// expression fails the test.
func expand(t *testing.T, where, v string, env map[string]string) string {
	t.Helper()
	re := regexp.MustCompile(`\$\{\{ *([^}]*?) *\}\}`)
	return re.ReplaceAllStringFunc(v, func(m string) string {
		expr := re.FindStringSubmatch(m)[1]
		name, ok := strings.CutPrefix(expr, "env.")
		if !ok {
			t.Fatalf("%s: expression %q is not one the test knows (env.NAME)", where, expr)
		}
		return env[name]
	})
}

// runStep runs a run: script as GitHub does (bash --noprofile --norc -eo
// pipefail), in dir, with env and the PATH the earlier steps added to
// GITHUB_PATH, and returns its combined output.
func runStep(ctx context.Context, dir, script string, env map[string]string, ghPath string) (string, error) {
	f, err := os.CreateTemp("", "workflow-step-*.sh")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	f.WriteString(script)
	f.Close()
	path := os.Getenv("PATH")
	if added, err := os.ReadFile(ghPath); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(added)), "\n") {
			if l != "" {
				path = l + string(os.PathListSeparator) + path
			}
		}
	}
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", f.Name())
	cmd.Dir = dir
	// The environment of a GitHub runner: none of the test's own
	// variables (OSSEC_RULESET would be run's default --base).
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "PATH" && k != "CI" && k != testenv.EnvRuleset && k != testenv.EnvOSSECSrc && !strings.HasPrefix(k, "RULETEST_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+path)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// tail is the end of a step's output, for failure messages.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}
