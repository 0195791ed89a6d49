package docker

import (
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
)

// RuntimeLibDir is where the shared libraries of a binary built with cgo
// go inside a container; the stand-in image sets LD_LIBRARY_PATH to it.
const RuntimeLibDir = "/usr/lib/ossec-ruletest-standin"

// RuntimeFile is a file a binary needs at run time: the ELF loader (at
// the path the binary names) or a shared library (in RuntimeLibDir).
type RuntimeFile struct {
	Path string // absolute path inside the container
	Host string // the file on this host
}

// RuntimeFiles returns what the Linux ELF executable exe needs besides
// itself to run in an image that has nothing else (FROM scratch): nothing
// for a static binary; for a dynamically linked one (go build with cgo),
// its loader and every shared library it needs, directly or not, found as
// the loader finds them on this host. A binary for another architecture,
// or a library that cannot be found, is an error saying so.
func RuntimeFiles(exe string) ([]RuntimeFile, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, fmt.Errorf("%s is not an ELF executable: %w", exe, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386}[runtime.GOARCH]
	if want != 0 && f.Machine != want {
		return nil, fmt.Errorf("%s is built for %v, not %s", exe, f.Machine, runtime.GOARCH)
	}
	interp := ""
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, fmt.Errorf("%s: reading its ELF interpreter: %w", exe, err)
			}
			interp = string(b[:len(b)-1]) // NUL-terminated
		}
	}
	if interp == "" {
		return nil, nil
	}
	out := []RuntimeFile{{Path: interp, Host: interp}}
	if _, err := os.Stat(interp); err != nil {
		return nil, fmt.Errorf("%s is dynamically linked and its loader %s is not on this host: %w", exe, interp, err)
	}
	seen := map[string]bool{}
	queue := []*elf.File{f}
	dirs := libDirs(f, interp)
	for len(queue) > 0 {
		lf := queue[0]
		queue = queue[1:]
		needed, err := lf.ImportedLibraries()
		if err != nil {
			return nil, fmt.Errorf("%s: reading its needed libraries: %w", exe, err)
		}
		for _, lib := range needed {
			if seen[lib] {
				continue
			}
			seen[lib] = true
			host := findLib(lib, dirs)
			if host == "" {
				return nil, fmt.Errorf("%s needs %s, which is in none of %v on this host (build it with CGO_ENABLED=0 for a static binary)", exe, lib, dirs)
			}
			out = append(out, RuntimeFile{Path: path.Join(RuntimeLibDir, lib), Host: host})
			lf2, err := elf.Open(host)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", host, err)
			}
			defer lf2.Close()
			queue = append(queue, lf2)
		}
	}
	return out, nil
}

// libDirs are the directories searched for shared libraries: the
// binary's run path, the loader's own directory and the system's.
func libDirs(f *elf.File, interp string) []string {
	var dirs []string
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		if v, err := f.DynString(tag); err == nil {
			for _, s := range v {
				dirs = append(dirs, filepath.SplitList(s)...)
			}
		}
	}
	triplet := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "386": "i386-linux-gnu"}[runtime.GOARCH]
	dirs = append(dirs, filepath.Dir(interp), "/lib/"+triplet, "/usr/lib/"+triplet, "/lib64", "/usr/lib64", "/lib", "/usr/lib")
	return dirs
}

func findLib(name string, dirs []string) string {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
