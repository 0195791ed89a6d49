package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Layer is what a directory adds to a ruleset: its ossec.conf (settings
// merged over the base's), decoders/*.xml, rules/*.xml and lists/* (CDB
// list sources), each kind in name order. A rules repository is a layer;
// so are the files of a case's archive.
type Layer struct {
	Dir      string
	Config   string   // Dir/ossec.conf, "" when absent
	Decoders []string // Dir/decoders/*.xml
	Rules    []string // Dir/rules/*.xml
	Lists    []string // Dir/lists/* (not .cdb)
}

// ReadLayer lists what dir adds to a ruleset. A directory with none of
// those files is an empty layer.
func ReadLayer(dir string) (Layer, error) {
	l := Layer{Dir: dir}
	if _, err := os.Stat(filepath.Join(dir, "ossec.conf")); err == nil {
		l.Config = filepath.Join(dir, "ossec.conf")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return l, err
	}
	var err error
	if l.Decoders, err = glob(dir, "decoders", ".xml"); err != nil {
		return l, err
	}
	if l.Rules, err = glob(dir, "rules", ".xml"); err != nil {
		return l, err
	}
	if l.Lists, err = glob(dir, "lists", ""); err != nil {
		return l, err
	}
	return l, nil
}

// Empty reports whether the layer adds nothing.
func (l Layer) Empty() bool {
	return l.Config == "" && len(l.Decoders) == 0 && len(l.Rules) == 0 && len(l.Lists) == 0
}

func glob(dir, sub, ext string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if ext != "" && !strings.HasSuffix(name, ext) {
			continue
		}
		if ext == "" && strings.HasSuffix(name, ".cdb") {
			continue
		}
		out = append(out, filepath.Join(dir, sub, name))
	}
	sort.Strings(out)
	return out, nil
}

// Sources describes the ruleset made of the OSSEC installation base ("" for
// none), the rules repository repo deployed into it ("" for none; see
// ReadRepo) and the layers of dirs on top, in order (a case's archive).
// Directories that are "" are left out.
func Sources(base, repo string, dirs ...string) (ruleset.Sources, error) {
	var layers []Layer
	for _, d := range dirs {
		if d == "" {
			continue
		}
		l, err := ReadLayer(d)
		if err != nil {
			return ruleset.Sources{}, err
		}
		if !l.Empty() {
			layers = append(layers, l)
		}
	}
	src := LayerSources(base, layers...)
	if repo != "" {
		r, err := ReadRepo(repo)
		if err != nil {
			return ruleset.Sources{}, err
		}
		src.Repo = r
	}
	return src, nil
}

// ReadRepo reads a rules repository kept as it is deployed: its files go
// where an installation has them, and replace the base's files of the same
// path:
//
//	ossec.conf or etc/ossec.conf      read after the base's ossec.conf
//	rules/*.xml                       rules/*.xml
//	decoders/*.xml, etc/decoders/*.xml  the same paths
//	etc/decoder.xml, etc/local_decoder.xml, etc/local_internal_options.conf
//	lists/*, etc/lists/* (not .cdb)   the same paths
//
// What loads then follows the configuration (see ruleset.Repo). A
// directory with none of those files gives nil.
func ReadRepo(dir string) (*ruleset.Repo, error) {
	r := &ruleset.Repo{Files: map[string]string{}}
	var confs []string
	for _, c := range []string{"ossec.conf", "etc/ossec.conf"} {
		p := filepath.Join(dir, filepath.FromSlash(c))
		if _, err := os.Stat(p); err == nil {
			confs = append(confs, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if len(confs) > 1 {
		return nil, fmt.Errorf("rules repository %s has both ossec.conf and etc/ossec.conf: keep one", dir)
	}
	if len(confs) == 1 {
		r.Config = confs[0]
	}
	for _, sub := range []struct{ dir, ext string }{
		{"rules", ".xml"}, {"decoders", ".xml"}, {"etc/decoders", ".xml"}, {"lists", ""}, {"etc/lists", ""},
	} {
		files, err := glob(dir, filepath.FromSlash(sub.dir), sub.ext)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			r.Files[sub.dir+"/"+filepath.Base(f)] = f
		}
	}
	for _, p := range []string{"etc/decoder.xml", "etc/local_decoder.xml", "etc/local_internal_options.conf"} {
		f := filepath.Join(dir, filepath.FromSlash(p))
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			r.Files[p] = f
		}
	}
	if r.Config == "" && len(r.Files) == 0 {
		return nil, nil
	}
	if err := checkRepoFiles(dir, r); err != nil {
		return nil, err
	}
	return r, nil
}

// checkRepoFiles refuses, in a repository read from dir (a pull request's,
// in CI), a file that is a link to outside it (the loader and deploy would
// read, and deploy would install, a file of the machine: a runner's
// secrets) and a file name that cannot stand as it is in ossec.conf's
// <rules> list (deploy writes it there) or in the list of added files
// (one name a line).
func checkRepoFiles(dir string, r *ruleset.Repo) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	paths := []string{}
	if r.Config != "" {
		paths = append(paths, r.Config)
	}
	for _, p := range r.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if i := strings.IndexFunc(filepath.Base(p), func(c rune) bool { return c < ' ' || c == 0x7f || c == '<' || c == '&' }); i >= 0 {
			return fmt.Errorf("%s: rules repository file name has %q, which ossec.conf's <rules> list cannot hold: rename it", p, filepath.Base(p)[i])
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s: a link to %s, outside the rules repository %s: a repository's files are its own", p, real, dir)
		}
	}
	return nil
}

// LayerSources turns a base and layers into the loader's Sources, with
// active responses (cases assert on them).
func LayerSources(base string, layers ...Layer) ruleset.Sources {
	src := ruleset.Sources{Base: base, ActiveResponse: true}
	for _, l := range layers {
		if l.Config != "" {
			src.Configs = append(src.Configs, l.Config)
		}
		src.Decoders = append(src.Decoders, l.Decoders...)
		src.Rules = append(src.Rules, l.Rules...)
		src.Lists = append(src.Lists, l.Lists...)
	}
	return src
}

// SourcesKey identifies the content of src: the same key means the same
// files with the same bytes, so the same ruleset. The base installation is
// identified by its path (it does not change during a run); layer files by
// their path and content.
func SourcesKey(src ruleset.Sources) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "base %q ar %v\n", src.Base, src.ActiveResponse)
	add := func(kind string, paths []string) error {
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			fmt.Fprintf(h, "%s %q %x\n", kind, p, sum)
		}
		return nil
	}
	for _, x := range []struct {
		kind  string
		paths []string
	}{{"main config", nonEmpty(src.Config)}, {"first rules", src.FirstRules}, {"repo config", repoConfig(src.Repo)}, {"repo file", repoFiles(h, src.Repo)},
		{"config", src.Configs}, {"decoder", src.Decoders}, {"rule", src.Rules}, {"list", src.Lists}} {
		if err := add(x.kind, x.paths); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func repoConfig(r *ruleset.Repo) []string {
	if r == nil {
		return nil
	}
	return nonEmpty(r.Config)
}

// repoFiles writes the installation paths of r's files to h and returns
// the files in the same order.
func repoFiles(h io.Writer, r *ruleset.Repo) []string {
	if r == nil {
		return nil
	}
	paths := make([]string, 0, len(r.Files))
	for p := range r.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	files := make([]string, len(paths))
	for i, p := range paths {
		fmt.Fprintf(h, "installed at %q\n", p)
		files[i] = r.Files[p]
	}
	return files
}
