// Package layout knows the two ways an OSSEC manager image lays out its
// installation, and makes the official one usable.
//
// Flat: /var/ossec/etc, rules, logs, stats and queue are directories.
//
// Official (atomicorp/ossec-docker): at build time each of those
// directories was moved to NAME-template and replaced by a symbolic link
// into the volume /var/ossec/data (etc -> data/etc); the image's entrypoint
// (ossec-server.sh) copies every template into the volume when its
// directory is not there yet, before it starts the daemons. Until then the
// links dangle and the installation cannot be read.
//
// Fill does what ossec-server.sh does to the volume; the stand-in image's
// entrypoint (EntrypointMain) runs it before its main process, as the
// official image's does.
package layout

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// DataDirs are the directories of /var/ossec that the official image keeps
// in its data volume (ossec-docker's data_dirs.env).
var DataDirs = []string{"etc", "rules", "logs", "stats", "queue"}

// TemplateSuffix names the copy a data directory is filled from.
const TemplateSuffix = "-template"

// Fill fills the data volume of the OSSEC installation at root: for each
// DataDirs entry NAME that is a symbolic link whose target does not exist
// and that has a NAME-template directory beside it, the target is created
// and the template copied into it, keeping modes, owners and symbolic
// links. A directory that is already there is left alone, as the
// official entrypoint leaves a volume that holds data. It returns the
// names it filled.
func Fill(root string) ([]string, error) {
	var filled []string
	for _, name := range DataDirs {
		link := filepath.Join(root, name)
		fi, err := os.Lstat(link)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			continue // flat, or absent
		}
		if _, err := os.Stat(link); err == nil {
			continue // already filled
		}
		tmpl := link + TemplateSuffix
		if fi, err := os.Stat(tmpl); err != nil || !fi.IsDir() {
			continue
		}
		target, err := os.Readlink(link)
		if err != nil {
			return filled, err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(root, target)
		}
		if err := copyTree(tmpl, target); err != nil {
			return filled, fmt.Errorf("filling %s from %s: %w", target, tmpl, err)
		}
		filled = append(filled, name)
	}
	return filled, nil
}

// copyTree copies the tree src to dst (created), as cp -a does.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := os.MkdirAll(to, 0o700); err != nil {
				return err
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
			return lchown(to, fi)
		case fi.Mode().IsRegular():
			if err := copyFile(p, to); err != nil {
				return err
			}
		default:
			return nil // sockets, fifos: made by the daemons at start
		}
		if err := lchown(to, fi); err != nil {
			return err
		}
		return os.Chmod(to, fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// EntrypointMain is the stand-in image's entrypoint: it fills the data
// volume of /var/ossec (Fill), then replaces itself with the command in
// args (the image's CMD). It returns only on failure, with exit code 1.
func EntrypointMain(args []string, stderr io.Writer) int {
	if _, err := Fill("/var/ossec"); err != nil {
		fmt.Fprintf(stderr, "standin-entrypoint: %v\n", err)
		return 1
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "standin-entrypoint: no command to run after filling /var/ossec/data")
		return 1
	}
	err := syscall.Exec(args[0], args, os.Environ())
	fmt.Fprintf(stderr, "standin-entrypoint: %v\n", errors.Join(fmt.Errorf("exec %s", args[0]), err))
	return 1
}
