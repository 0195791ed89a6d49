package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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
// none) with the layers of dirs on top, in order. Directories that are ""
// are left out.
func Sources(base string, dirs ...string) (ruleset.Sources, error) {
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
	return LayerSources(base, layers...), nil
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
	}{{"main config", nonEmpty(src.Config)}, {"config", src.Configs}, {"decoder", src.Decoders}, {"rule", src.Rules}, {"list", src.Lists}} {
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
