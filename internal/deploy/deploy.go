// Package deploy writes a rules repository into an OSSEC installation as
// the tests load it (ruleset.Sources.Deployed: each file at its
// installation path, ossec.conf with the repository's configuration and
// the lists of files that load), keeping every file it replaces so that
// Undo gives the installation back. containers/manager/install.sh deploys
// a repository into a manager image this way (ossec-ruletest deploy), and
// the docker engine undoes it to find the image's own base.
//
//	n, err := deploy.Into("/var/ossec", src) // src: base /var/ossec, repository
//	...
//	err = deploy.Undo(copyOfInstallation)
package deploy

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Upstream is where, inside an installation, Into keeps the files it
// replaced (under their own installation paths) and the list of the
// files it added (Added).
const (
	Upstream = "etc/ruletest-upstream"
	Added    = Upstream + "/added"
)

// Result says what Into wrote.
type Result struct {
	Written  int // files written
	Replaced int // of which replaced a file of the installation
}

// Into deploys src.Repo into the installation src.Base: it writes the
// files of src.Deployed, each replaced file first copied to Upstream
// under its own path, and lists the files it added in Added. An
// installation with Upstream already (deployed into before) is refused:
// its replaced files would be lost.
func Into(src ruleset.Sources) (Result, error) {
	dir := src.Base
	if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(Upstream))); err == nil {
		return Result{}, fmt.Errorf("%s: a repository is deployed there already (%s): deploy into a fresh installation", dir, Upstream)
	}
	files, err := src.Deployed()
	if err != nil {
		return Result{}, err
	}
	// The list of the files to add is written first: an Into that fails
	// midway leaves what Undo needs (it removes the listed files that
	// exist and puts back the ones kept so far).
	var b strings.Builder
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path))); errors.Is(err, fs.ErrNotExist) {
			b.WriteString(f.Path + "\n")
		}
	}
	list := filepath.Join(dir, filepath.FromSlash(Added))
	if err := os.MkdirAll(filepath.Dir(list), 0o755); err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(list, []byte(b.String()), 0o644); err != nil {
		return Result{}, err
	}
	var res Result
	for _, f := range files {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(dst)
		switch {
		case err == nil:
			if err := keep(dir, f.Path, old, dst); err != nil {
				return res, err
			}
			res.Replaced++
		case errors.Is(err, fs.ErrNotExist):
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return res, err
			}
		default:
			return res, fmt.Errorf("%w (the files written before are recorded in %s: the added ones listed, the replaced ones kept)", err, filepath.Join(dir, filepath.FromSlash(Upstream)))
		}
		// An existing file keeps its owner and mode.
		if err := os.WriteFile(dst, f.Data, 0o644); err != nil {
			return res, err
		}
		res.Written++
	}
	return res, nil
}

// keep copies the installation's file p (its content old, at dst) to
// Upstream, with its mode.
func keep(dir, p string, old []byte, dst string) error {
	fi, err := os.Stat(dst)
	if err != nil {
		return err
	}
	bak := filepath.Join(dir, filepath.FromSlash(Upstream), filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(bak), 0o755); err != nil {
		return err
	}
	return os.WriteFile(bak, old, fi.Mode().Perm())
}

// Undo gives back, in dir (an installation, or a copy of part of one),
// the installation as it was before Into: the files Into added are
// removed, the ones it replaced put back, and Upstream removed. A dir
// without Upstream is left as it is. A copy that lacks a directory of
// the installation (only etc/ and rules/) gets back only the files of
// the directories it has.
func Undo(dir string) error {
	up := filepath.Join(dir, filepath.FromSlash(Upstream))
	if _, err := os.Lstat(up); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	list, err := os.Open(filepath.Join(dir, filepath.FromSlash(Added)))
	if err != nil {
		return fmt.Errorf("%s: deployed into, but %w", dir, err)
	}
	sc := bufio.NewScanner(list)
	for sc.Scan() {
		p, ok := installPath(sc.Text())
		if !ok {
			list.Close()
			return fmt.Errorf("%s: bad path %q", filepath.Join(dir, filepath.FromSlash(Added)), sc.Text())
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			list.Close()
			return err
		}
	}
	list.Close()
	if err := sc.Err(); err != nil {
		return err
	}
	err = filepath.WalkDir(up, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(up, p)
		if err != nil {
			return err
		}
		if filepath.ToSlash(rel) == path.Base(Added) {
			return nil
		}
		dst := filepath.Join(dir, rel)
		if _, err := os.Stat(filepath.Dir(dst)); errors.Is(err, fs.ErrNotExist) {
			return nil // a directory the copy does not have
		}
		return os.Rename(p, dst)
	})
	if err != nil {
		return err
	}
	return os.RemoveAll(up)
}

// installPath cleans a slash-separated path relative to an installation,
// refusing one that leaves it.
func installPath(p string) (string, bool) {
	c := path.Clean(p)
	if p == "" || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}
