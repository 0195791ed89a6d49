package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// treeOf reads the regular files under dir, by slash path.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			t.Errorf("%s is not a regular file (%v)", p, d.Type())
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStandinOfficialLayout runs the stand-in built with a base
// installation, laid out like the official image: its entrypoint fills the
// data volume from the templates, the engine finds the layout from the
// image, reads the installation through its links, and the cases of a
// run get it as their base.
func TestStandinOfficialLayout(t *testing.T) {
	pool := dockerOrSkip(t)
	base, _ := filepath.Abs("testdata/base")
	cfg := Config{Image: ImageStandin, Executable: realRuletest(t), StandinBase: base, Hostname: "e2ehost", Log: testWriter{t}}
	b, err := NewBackend(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	runID := b.Manager().RunID()
	defer func() {
		b.Close()
		if list := runContainers(t, pool, runID); len(list) != 0 {
			t.Errorf("containers left: %+v", list)
		}
	}()
	m := b.Manager()
	if m.Layout() != LayoutOfficial || !m.Installed() {
		t.Fatalf("layout %q installed %v; want official, installed", m.Layout(), m.Installed())
	}
	// The etc in the image is a link, and the volume behind it was filled.
	if link, err := m.isLink(context.Background(), "/var/ossec/etc"); err != nil || !link {
		t.Errorf("/var/ossec/etc is a link: %v, %v", link, err)
	}
	got, err := b.InstallationBase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(treeOf(t, base), treeOf(t, got)); diff != "" {
		t.Errorf("the image's installation differs from the base it was built with (-want +got):\n%s", diff)
	}
	// A case without base runs on the image's installation.
	s, err := b.Open(context.Background(), ruleset.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Process(context.Background(), logLine("Nov 26 10:00:00 web1 e2e: login bob from 10.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Decoder != "e2e" || r.Rule == nil || r.Rule.ID != 100100 {
		t.Errorf("on the image's installation: %+v; want decoder e2e, rule 100100", summarize(r))
	}
}

// TestStandinWithoutBaseHasNoInstallation: the plain stand-in's idle
// ruleset is not a base.
func TestStandinWithoutBaseHasNoInstallation(t *testing.T) {
	dockerOrSkip(t)
	b, err := NewBackend(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Manager().Layout() != LayoutOfficial || b.Manager().Installed() {
		t.Errorf("layout %q installed %v; want official, not installed", b.Manager().Layout(), b.Manager().Installed())
	}
	if dir, err := b.InstallationBase(context.Background()); dir != "" || err != nil {
		t.Errorf("InstallationBase = %q, %v; want none", dir, err)
	}
}

// TestDownloadResolvesLinks puts links of every kind into a container and
// reads a tree through them.
func TestDownloadResolvesLinks(t *testing.T) {
	dockerOrSkip(t)
	m, err := Start(context.Background(), standinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(n string) { tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: n, Mode: 0o755}) }
	file := func(n, s string) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o640, Size: int64(len(s))})
		tw.Write([]byte(s))
	}
	link := func(n, target string) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: n, Linkname: target, Mode: 0o777})
	}
	dir("x/")
	dir("x/real/")
	dir("x/real/sub/")
	dir("x/other/")
	file("x/real/a.xml", "A")
	file("x/real/sub/b.xml", "B")
	file("x/other/c.xml", "C")
	link("x/tree", "real")                   // a relative link to a directory
	link("x/real/rel.xml", "a.xml")          // a relative link to a file
	link("x/real/abs.xml", "/x/other/c.xml") // an absolute one
	link("x/real/up", "../other")            // a directory one level up
	link("x/real/chain.xml", "rel.xml")      // a link to a link
	tw.Close()
	if err := m.pool.Client.UploadToContainer(m.ContainerID(), dc.UploadToContainerOptions{InputStream: &buf, Path: "/"}); err != nil {
		t.Fatal(err)
	}
	got, err := m.DownloadInstallation(context.Background(), "/x", "tree")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(got)
	want := map[string]string{"tree/a.xml": "A", "tree/sub/b.xml": "B", "tree/rel.xml": "A", "tree/abs.xml": "C",
		"tree/up/c.xml": "C", "tree/chain.xml": "A"}
	if diff := cmp.Diff(want, treeOf(t, got)); diff != "" {
		t.Errorf("tree read through links (-want +got):\n%s", diff)
	}

	// A loop is an error naming the path, not a hang.
	buf.Reset()
	tw = tar.NewWriter(&buf)
	dir("y/")
	link("y/loop", "loop")
	tw.Close()
	if err := m.pool.Client.UploadToContainer(m.ContainerID(), dc.UploadToContainerOptions{InputStream: &buf, Path: "/"}); err != nil {
		t.Fatal(err)
	}
	if dir, err := m.DownloadInstallation(context.Background(), "/y", "loop"); err == nil || !strings.Contains(err.Error(), "/y/loop") {
		os.RemoveAll(dir)
		t.Errorf("a link loop: %v; want an error naming it", err)
	}
}

// TestStandinFromDynamicBinary builds the stand-in from a binary linked
// with the C library (as go build makes with cgo): its loader and
// libraries go into the image, and ossec-logtest sessions run.
func TestStandinFromDynamicBinary(t *testing.T) {
	dockerOrSkip(t)
	bin := filepath.Join(t.TempDir(), "ossec-ruletest")
	cmd := exec.Command("go", "build", "-ldflags=-linkmode=external", "-o", bin, "./testdata/fakelogtest")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build a dynamically linked binary here (cgo needs a C toolchain): %v\n%s", err, out)
	}
	rt, err := RuntimeFiles(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(rt) == 0 {
		t.Fatalf("%s is static; the test needs a dynamic one", bin)
	}
	m, err := Start(context.Background(), Config{Image: ImageStandin, Executable: bin, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	lt, err := m.OpenLogtest(context.Background(), caseFiles, false)
	if err != nil {
		t.Fatal(err)
	}
	defer lt.Close()
	out, err := lt.Next(context.Background(), "Nov 26 10:00:00 host sshd[1]: fail one")
	if err != nil || !strings.Contains(out.Block, "Rule id: '100200'") {
		t.Errorf("a session on the dynamic binary: %q, %v", out.Block, err)
	}
}
