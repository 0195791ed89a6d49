//go:build linux

package arverify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkVerify is the cost of one verification of a 4 KB packaged file
// against an in-process fake rpm (safe open, hashing, parsing rpm's rows of a
// 200-file package), without the cost of running rpm itself.
func BenchmarkVerify(b *testing.B) {
	dir := privateTempDir(b)
	content := strings.Repeat("x", 4096)
	path := writeFile(b, filepath.Join(dir, "usr", "lib", "pkg", "file.so"), content, 0o644)
	run := newFakeRunner()
	files := []rpmFileSpec{{name: path, content: content, mode: 0o100644, user: userName(uint32(os.Getuid())), group: groupName(uint32(os.Getgid()))}}
	for i := 0; i < 199; i++ {
		files = append(files, rpmFileSpec{name: filepath.Join(dir, "other", strings.Repeat("f", i%40)+"x"), content: "y", mode: 0o100644, user: "root", group: "root"})
	}
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{"pkg-1-1.x86_64": files}}
	db.install()
	v := &Verifier{Packages: []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := v.Verify(ctx, path); got.Kind != OK {
			b.Fatalf("got %q (%s)", got.Line(), got.Reason)
		}
	}
}

// BenchmarkSpool is the cost per file of the fleet path: enqueue (with the
// duplicate check) and drain, with a verifier that consults nothing.
func BenchmarkSpool(b *testing.B) {
	dir := privateTempDir(b)
	var paths []string
	for i := 0; i < 64; i++ {
		paths = append(paths, writeFile(b, filepath.Join(dir, "f", strings.Repeat("a", i+1)), "x", 0o644))
	}
	s := &Spool{Dir: filepath.Join(b.TempDir(), "state"), Verifier: &Verifier{}, Emit: func(Verdict) error { return nil },
		Window: 1}
	if err := s.Prepare(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Enqueue(paths[i%len(paths)], testAlert); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Drain(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueue is the cost of one fire's request with an empty queue
// and with 10,000 requests waiting: it must not grow with the queue (each
// fire of the old spool listed the whole queue directory).
func BenchmarkEnqueue(b *testing.B) {
	for _, waiting := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			s := &Spool{Dir: filepath.Join(b.TempDir(), "state"), MaxQueue: 10_000_000}
			if err := s.Prepare(); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < waiting; i++ {
				if _, err := s.Enqueue(fmt.Sprintf("/waiting/%d", i), testAlert); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r, err := s.Enqueue(fmt.Sprintf("/new/%d", i), testAlert); r != Queued || err != nil {
					b.Fatal(r, err)
				}
			}
		})
	}
}
