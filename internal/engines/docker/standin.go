package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker/layout"
)

//go:embed all:standin
var standinFS embed.FS

// StandinRepository is the repository of stand-in images; the tag is a
// digest of the binary and the image definition, so a new binary gets a
// new image.
const StandinRepository = "ossec-ruletest-standin"

// StandinContext returns the build context of the stand-in image (a tar
// with the Dockerfile, the binary, the loader and libraries it needs when
// it is not static, and the installation laid out like the official image)
// and the image reference it is built as. base, when not "", is an OSSEC
// installation directory (etc/, rules/) that becomes the image's own
// installation in place of the idle ruleset.
func StandinContext(exe, base string) (ctxTar []byte, ref string, err error) {
	bin, err := os.ReadFile(exe)
	if err != nil {
		return nil, "", err
	}
	runtimeFiles, err := RuntimeFiles(exe)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	h := sha256.New()
	add := func(name string, mode int64, data []byte) error {
		fmt.Fprintf(h, "%s %o %d\n", name, mode, len(data))
		h.Write(data)
		return writeFile(tw, name, mode, data)
	}
	link := func(name, target string) error {
		fmt.Fprintf(h, "%s -> %s\n", name, target)
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
	}
	replaced := map[string]bool{}
	if base != "" {
		replaced["ossec/etc-template"], replaced["ossec/rules-template"] = true, true
		fmt.Fprintf(h, "base\n")
	}
	err = fs.WalkDir(standinFS, "standin", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, "standin"), "/")
		if rel == "" {
			return nil
		}
		if replaced[rel] {
			return fs.SkipDir
		}
		if d.IsDir() {
			return writeDir(tw, rel, 0o755)
		}
		data, err := standinFS.ReadFile(p)
		if err != nil {
			return err
		}
		return add(rel, 0o644, data)
	})
	if err != nil {
		return nil, "", err
	}
	if base != "" {
		for _, sub := range []string{"etc", "rules"} {
			if err := addTree(tw, add, filepath.Join(base, sub), "ossec/"+sub+layout.TemplateSuffix); err != nil {
				return nil, "", fmt.Errorf("stand-in base %s: %w", base, err)
			}
		}
	}
	for _, d := range layout.DataDirs {
		if err := link("ossec/"+d, "data/"+d); err != nil {
			return nil, "", err
		}
	}
	if err := writeDir(tw, "ossec/bin", 0o755); err != nil {
		return nil, "", err
	}
	if err := link("ossec/bin/ossec-logtest", "ossec-ruletest"); err != nil {
		return nil, "", err
	}
	// rootfs/ is never empty: the legacy builder can fail to export an
	// image with the empty layer an empty COPY makes.
	seen := map[string]bool{}
	if err := mkdirAll(tw, seen, "rootfs/etc"); err != nil {
		return nil, "", err
	}
	if err := add("rootfs/etc/ossec-ruletest-standin", 0o644, []byte("the stand-in manager image of ossec-ruletest's docker engine\n")); err != nil {
		return nil, "", err
	}
	for _, rf := range runtimeFiles {
		data, err := os.ReadFile(rf.Host)
		if err != nil {
			return nil, "", err
		}
		name := "rootfs" + rf.Path
		if err := mkdirAll(tw, seen, path.Dir(name)); err != nil {
			return nil, "", err
		}
		if err := add(name, 0o755, data); err != nil {
			return nil, "", err
		}
	}
	if err := add("ossec-ruletest", 0o755, bin); err != nil {
		return nil, "", err
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), StandinRepository + ":" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// addTree adds the directories and regular files of the host directory
// src to the tar as dst.
func addTree(tw *tar.Writer, add func(string, int64, []byte) error, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := path.Join(dst, filepath.ToSlash(rel))
		if d.IsDir() {
			return writeDir(tw, name, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return add(name, 0o644, data)
	})
}

// mkdirAll writes the directory entries of name and its parents that
// are not in seen yet.
func mkdirAll(tw *tar.Writer, seen map[string]bool, name string) error {
	if name == "." || name == "/" || name == "" || seen[name] {
		return nil
	}
	if err := mkdirAll(tw, seen, path.Dir(name)); err != nil {
		return err
	}
	seen[name] = true
	return writeDir(tw, name, 0o755)
}

// ensureStandin returns the stand-in image for the configured binary,
// building it when the daemon does not have it yet.
func ensureStandin(ctx context.Context, pool *dockertest.Pool, cfg Config) (string, error) {
	exe := cfg.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", &Error{Code: CodeStandin, Image: ImageStandin, Endpoint: cfg.Endpoint, Msg: "cannot find the running binary", Err: err}
		}
	}
	tarball, ref, err := StandinContext(exe, cfg.StandinBase)
	if err != nil {
		return "", &Error{Code: CodeStandin, Image: ImageStandin, Endpoint: cfg.Endpoint, Msg: "cannot make the stand-in build context", Err: err}
	}
	if _, err := pool.Client.InspectImage(ref); err == nil {
		return ref, nil
	} else if !errors.Is(err, dc.ErrNoSuchImage) {
		return "", &Error{Code: CodeImage, Image: ref, Endpoint: cfg.Endpoint, Msg: "cannot inspect image", Err: err}
	}
	labels := map[string]string{LabelStandin: "1"}
	if cfg.StandinBase != "" {
		labels[LabelStandinBase] = "1"
	}
	fmt.Fprintf(cfg.Log, "docker engine: building %s from %s\n", ref, exe)
	var out bytes.Buffer
	err = pool.Client.BuildImage(dc.BuildImageOptions{
		Name:           ref,
		InputStream:    bytes.NewReader(tarball),
		OutputStream:   &out,
		RmTmpContainer: true,
		Labels:         labels,
		Context:        ctx,
	})
	if err != nil {
		return "", &Error{Code: CodeStandin, Image: ref, Endpoint: cfg.Endpoint, Msg: "building the stand-in image failed",
			Err: fmt.Errorf("%w\n%s", err, lastLines(out.String(), 10))}
	}
	pruneStandins(pool, ref)
	return ref, nil
}

// pruneStandins removes the stand-in images of earlier binaries that are
// over an hour old, except keep; images that a container uses stay (their
// removal fails), and young ones may be about to be used by another run.
func pruneStandins(pool *dockertest.Pool, keep string) {
	imgs, err := pool.Client.ListImages(dc.ListImagesOptions{Filters: map[string][]string{"reference": {StandinRepository}}})
	if err != nil {
		return
	}
	for _, img := range imgs {
		mine := false
		for _, tag := range img.RepoTags {
			mine = mine || tag == keep
		}
		if !mine && time.Since(time.Unix(img.Created, 0)) > time.Hour {
			pool.Client.RemoveImageExtended(img.ID, dc.RemoveImageOptions{Force: false})
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func writeDir(tw *tar.Writer, name string, mode int64) error {
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimSuffix(name, "/") + "/", Mode: mode})
}

func writeFile(tw *tar.Writer, name string, mode int64, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// File is one file to put into a container: a slash-separated path
// relative to the target directory, and its content.
type File struct {
	Path string
	Data []byte
	Mode int64 // 0 means 0644
}

// tarTree packs files under dir (a slash path without leading slash) with
// their parent directories, plus the empty directories named in dirs.
func tarTree(dir string, files []File, dirs map[string]int64) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	var mkdirs func(p string, mode int64) error
	mkdirs = func(p string, mode int64) error {
		if p == "." || p == "" || seen[p] {
			return nil
		}
		if err := mkdirs(path.Dir(p), 0o755); err != nil {
			return err
		}
		seen[p] = true
		return writeDir(tw, p, mode)
	}
	for d, mode := range dirs {
		if err := mkdirs(path.Join(dir, d), mode); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		clean := path.Clean(f.Path)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("file %q is outside the ruleset directory", f.Path)
		}
		full := path.Join(dir, clean)
		if err := mkdirs(path.Dir(full), 0o755); err != nil {
			return nil, err
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := writeFile(tw, full, mode, f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
