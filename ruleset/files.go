package ruleset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// File is one file of an OSSEC installation directory.
type File struct {
	// Path is slash-separated and relative to the installation directory
	// ("etc/ossec.conf", "rules/sshd_rules.xml").
	Path string
	Data []byte
}

// Files returns an OSSEC installation directory, as a list of files, that
// real OSSEC 4.3.0 loads as Load loads s: the files under Base's etc/ and
// rules/ (and lists/), the layer files copied in (decoders as
// ruletest/decoders/NN-name, rules as ruletest/rules/NN-name, lists as
// lists/name), and an etc/ossec.conf made of the main configuration
// followed by one more <ossec_config> that lists every decoder, rule and
// list file in Load's order (OSSEC lets a later <rules> section replace the
// file lists of earlier ones) and repeats the <global>, <alerts>,
// <syscheck>, <command> and <active-response> sections of the extra
// configuration files. Lists are text files: run ossec-makelists in the
// installation before ossec-logtest, as OSSEC reads the compiled .cdb.
//
// Without Base the installation has no stock file: only the layers.
func (s Sources) Files() ([]File, error) {
	return s.installation(false)
}

// Deployed returns the files that deploying s.Repo into the installation
// s.Base writes there, so that OSSEC loads what Load loads for s: each
// file of the repository at its installation path (replacing the base's),
// and etc/ossec.conf made of the base's configuration, the repository's
// ossec.conf whole, and one more <ossec_config> whose <rules> lists every
// decoder, rule and list file in Load's order (a later <rules> section's
// lists replace the earlier ones'). Sorted by path. s has no other layer.
func (s Sources) Deployed() ([]File, error) {
	if s.Base == "" || s.Repo == nil || len(s.Configs)+len(s.Decoders)+len(s.Rules)+len(s.Lists)+len(s.FirstRules) > 0 {
		return nil, errors.New("ruleset: Deployed needs a base and a repository and nothing else")
	}
	all, err := s.installation(true)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, f := range all {
		if _, ok := s.Repo.Files[f.Path]; ok || f.Path == "etc/ossec.conf" {
			out = append(out, f)
		}
	}
	return out, nil
}

// installation is Files; with wholeRepoConfig, the repository's ossec.conf
// is written whole before the added <ossec_config> (Deployed), not only
// the sections the engines need.
func (s Sources) installation(wholeRepoConfig bool) ([]File, error) {
	var files []File
	if s.Base != "" {
		for _, sub := range []string{"etc", "rules", "lists"} {
			root := filepath.Join(s.Base, sub)
			err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) && p == root {
						return nil
					}
					return err
				}
				if !d.Type().IsRegular() {
					return nil
				}
				rel, err := filepath.Rel(s.Base, p)
				if err != nil {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				files = append(files, File{Path: filepath.ToSlash(rel), Data: data})
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("reading the base installation %s: %w", s.Base, err)
			}
		}
	}
	cfgFile := s.Config
	if cfgFile == "" && s.Base != "" {
		cfgFile = filepath.Join(s.Base, "etc", "ossec.conf")
	}
	var conf []byte
	if cfgFile != "" {
		data, err := os.ReadFile(cfgFile)
		if err != nil {
			return nil, err
		}
		conf = data
	}
	layered := len(s.Configs)+len(s.Decoders)+len(s.Rules)+len(s.Lists)+len(s.FirstRules) > 0 || s.Repo != nil
	if !layered {
		if conf != nil {
			files = setFile(files, File{Path: "etc/ossec.conf", Data: conf})
		}
		return files, nil
	}

	// The effective file lists, as Load computes them.
	l := newLoader(s)
	if cfgFile != "" {
		l.readConfig(cfgFile, true)
	}
	if !l.failed {
		l.readRepoConfig()
	}
	for _, c := range s.Configs {
		l.readConfig(c, false)
	}
	if l.failed {
		return nil, &Error{Diagnostics: l.diags}
	}
	var b strings.Builder
	b.Write(conf)
	if wholeRepoConfig && s.Repo != nil && s.Repo.Config != "" {
		data, err := os.ReadFile(s.Repo.Config)
		if err != nil {
			return nil, err
		}
		b.WriteString("\n<!-- Added by ossec-ruletest: the rules repository's ossec.conf. -->\n")
		b.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	b.WriteString("\n<!-- Added by ossec-ruletest: the layers over this installation. -->\n<ossec_config>\n  <rules>\n")
	entry := func(elem, p string) {
		fmt.Fprintf(&b, "    <%s>%s</%s>\n", elem, p, elem)
	}
	if s.Repo != nil {
		for p, f := range s.Repo.Files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			files = setFile(files, File{Path: p, Data: data})
		}
	}
	for _, f := range l.legacyDecoders() {
		if f.path != "etc/local_decoder.xml" || hasRoots(l.basePath(f.path)) {
			entry("decoder", f.path)
		}
	}
	for _, f := range l.decoderFiles {
		entry("decoder", f.path)
	}
	for i, f := range s.Decoders {
		p := fmt.Sprintf("ruletest/decoders/%02d-%s", i+1, filepath.Base(f))
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		files = setFile(files, File{Path: p, Data: data})
		entry("decoder", p)
	}
	for i, f := range s.FirstRules {
		p := fmt.Sprintf("ruletest/rules/00-%d-%s", i+1, filepath.Base(f))
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		files = setFile(files, File{Path: p, Data: data})
		entry("include", p)
	}
	for _, f := range l.includes {
		entry("include", f.path)
	}
	for i, f := range s.Rules {
		p := fmt.Sprintf("ruletest/rules/%02d-%s", i+1, filepath.Base(f))
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		files = setFile(files, File{Path: p, Data: data})
		entry("include", p)
	}
	for _, f := range l.listFiles {
		entry("list", f.name)
	}
	for _, f := range s.Lists {
		p := extraListName(f)
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		files = setFile(files, File{Path: p, Data: data})
		entry("list", p)
	}
	b.WriteString("  </rules>\n")
	extra := s.Configs
	if s.Repo != nil && s.Repo.Config != "" && !wholeRepoConfig {
		extra = append([]string{s.Repo.Config}, extra...)
	}
	for _, c := range extra {
		doc, err := ossecxml.ReadFile(c)
		if err != nil {
			return nil, err
		}
		for _, root := range doc.Roots() {
			for _, sec := range root.Children() {
				switch sec.Name {
				case "global", "alerts", "syscheck", "command", "active-response":
					writeNode(&b, sec, "  ")
				}
			}
		}
	}
	b.WriteString("</ossec_config>\n")
	files = setFile(files, File{Path: "etc/ossec.conf", Data: []byte(b.String())})
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// extraListName is the name under which Load knows an extra list file:
// lists/ followed by its file name.
func extraListName(f string) string {
	return path.Join("lists", filepath.Base(f))
}

func setFile(files []File, f File) []File {
	for i := range files {
		if files[i].Path == f.Path {
			files[i] = f
			return files
		}
	}
	return append(files, f)
}

func hasRoots(file string) bool {
	doc, err := ossecxml.ReadFile(file)
	if err != nil {
		return false
	}
	if doc.ApplyVariables() != nil {
		return true // let OSSEC report it
	}
	return len(doc.Roots()) > 0
}

// writeNode writes n so that os_xml reads it back the same: contents and
// attribute values are written as they were read (os_xml has no escapes
// to undo).
func writeNode(b *strings.Builder, n *ossecxml.Node, indent string) {
	b.WriteString(indent + "<" + n.Name)
	for _, a := range n.Attrs {
		q := `"`
		if strings.Contains(a.Value, `"`) {
			q = "'"
		}
		b.WriteString(" " + a.Name + "=" + q + a.Value + q)
	}
	kids := n.Children()
	if kids == nil {
		b.WriteString(">" + n.Content + "</" + n.Name + ">\n")
		return
	}
	b.WriteString(">\n")
	for _, k := range kids {
		writeNode(b, k, indent+"  ")
	}
	b.WriteString(indent + "</" + n.Name + ">\n")
}
