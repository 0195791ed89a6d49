// Package untar extracts tar archives that come from outside the process
// (a container's files, git archive) without writing outside the target
// directory.
package untar

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
)

// Extract writes the directories and regular files of the tar stream r
// below the existing directory dst; other entries (links, devices, FIFOs)
// are left out. Every write goes through an os.Root on dst, so neither a
// name (absolute, "..", a Windows drive) nor a symbolic link already in
// dst can lead outside it; an entry whose name leaves dst is an error
// naming the entry.
func Extract(dst string, r io.Reader) error {
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(h.Name)
		if name == "." && h.Typeflag == tar.TypeDir {
			continue // the archive's own top directory
		}
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return fmt.Errorf("tar entry %q: name leaves the directory", h.Name)
		}
		var werr error
		switch h.Typeflag {
		case tar.TypeDir:
			werr = root.MkdirAll(name, 0o755)
		case tar.TypeReg:
			werr = writeFile(root, name, tr)
		default:
			continue
		}
		if werr != nil {
			return fmt.Errorf("tar entry %q: %w", h.Name, werr)
		}
	}
}

func writeFile(root *os.Root, name string, r io.Reader) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return errors.Join(err, f.Close())
}
