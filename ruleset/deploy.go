package ruleset

import (
	"path"
	"sort"
	"strings"
)

// Repo is a rules repository deployed into an installation: each of its
// files lies where it is installed, replacing the base's file of the same
// path, and its ossec.conf continues the main configuration.
//
// What Load loads then follows the configuration, as on the installed
// manager: when the repository's ossec.conf lists rule files (<include>,
// <rule>, <rule_dir>), that list replaces the base's, and a rule file of
// the repository that it does not name is reported (a warning with code
// CodeRepoUnlisted) and not loaded; likewise for <decoder>/<decoder_dir>
// and decoder files, <list> and lists. For a kind the repository's
// ossec.conf does not list, the base's list applies, with the repository's
// files in place of the base's, and the repository's files it does not
// name are loaded after it, in name order.
type Repo struct {
	// Config is the repository's ossec.conf ("" for none). Its settings
	// override the base's; its <command> and <active-response> blocks are
	// added.
	Config string
	// Files maps installation paths (slash-separated, relative to the
	// installation directory: "rules/local_rules.xml",
	// "etc/local_decoder.xml", "decoders/x.xml", "lists/bad-hosts") to the
	// repository's files.
	Files map[string]string
}

// Rule, decoder and list files of a repository, by installation path.
func repoRuleFile(p string) bool {
	return path.Dir(p) == "rules" && strings.HasSuffix(p, ".xml")
}

func repoDecoderFile(p string) bool {
	switch path.Dir(p) {
	case "decoders", "etc/decoders":
		return strings.HasSuffix(p, ".xml")
	}
	return p == "etc/local_decoder.xml" || p == "etc/decoder.xml"
}

func repoListFile(p string) bool {
	return (path.Dir(p) == "lists" || path.Dir(p) == "etc/lists") && !strings.HasSuffix(p, ".cdb")
}

// repoFile returns the repository's file at installation path p.
func (l *loader) repoFile(p string) (string, bool) {
	if l.src.Repo == nil {
		return "", false
	}
	f, ok := l.src.Repo.Files[strings.TrimPrefix(path.Clean("/"+p), "/")]
	return f, ok
}

// repoDir lists the names of the repository's files directly in the
// installation directory dir.
func (l *loader) repoDir(dir string) []string {
	if l.src.Repo == nil {
		return nil
	}
	dir = strings.TrimPrefix(path.Clean("/"+dir), "/")
	var names []string
	for p := range l.src.Repo.Files {
		if path.Dir(p) == dir {
			names = append(names, path.Base(p))
		}
	}
	sort.Strings(names)
	return names
}

// legacyDecoders returns the decoder files analysisd reads when the
// configuration lists none: etc/decoder.xml and etc/local_decoder.xml of
// the installation. Without a base only the repository's are there.
func (l *loader) legacyDecoders() []cfgPath {
	if l.baseHasDecoders {
		return nil
	}
	var out []cfgPath
	for _, p := range []string{"etc/decoder.xml", "etc/local_decoder.xml"} {
		if _, ok := l.repoFile(p); ok || l.src.Base != "" {
			out = append(out, cfgPath{name: p, path: p, inBase: true})
		}
	}
	return out
}

// readRepoConfig reads the repository's ossec.conf as the continuation of
// the main configuration and then settles which of its files load: those
// the configuration names, and, for a kind it does not list, the others
// after them; a file of a kind it lists but does not name is reported.
func (l *loader) readRepoConfig() {
	r := l.src.Repo
	if r == nil {
		return
	}
	if r.Config != "" {
		l.inRepoConfig = true
		l.readConfig(r.Config, true)
		l.inRepoConfig = false
		if l.failed {
			return
		}
	}
	paths := make([]string, 0, len(r.Files))
	for p := range r.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	named := func(list []cfgPath, p string, list2 []cfgPath) bool {
		for _, f := range list {
			if strings.TrimPrefix(path.Clean("/"+f.path), "/") == p {
				return true
			}
		}
		for _, f := range list2 {
			if strings.TrimPrefix(path.Clean("/"+f.path), "/") == p {
				return true
			}
		}
		return false
	}
	unlisted := func(p, elems string) {
		l.warnf(Pos{File: r.Files[p]}, CodeRepoUnlisted, "not loaded: the repository's ossec.conf has its own list and no %s in it names %s (on the manager it would not load either)", elems, p)
	}
	for _, p := range paths {
		f := cfgPath{name: p, path: p, inBase: true, pos: Pos{File: r.Files[p]}}
		switch {
		case repoRuleFile(p):
			if named(l.includes, p, nil) {
				continue
			}
			if l.repoLists.rules {
				unlisted(p, "<include>, <rule> or <rule_dir>")
				continue
			}
			l.includes = append(l.includes, f)
		case repoDecoderFile(p):
			if named(l.decoderFiles, p, l.legacyDecoders()) {
				continue
			}
			if l.repoLists.decoders {
				unlisted(p, "<decoder> or <decoder_dir>")
				continue
			}
			l.decoderFiles = append(l.decoderFiles, f)
		case repoListFile(p):
			if named(l.listFiles, p, nil) {
				continue
			}
			if l.repoLists.lists {
				unlisted(p, "<list>")
				continue
			}
			f.name = p
			l.listFiles = append(l.listFiles, f)
		}
	}
}

// CodeRepoUnlisted is the warning for a file of a rules repository that
// its ossec.conf does not load (see Repo).
const CodeRepoUnlisted Code = "repo-unlisted"
