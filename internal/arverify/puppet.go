//go:build linux

package arverify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ConfigManager answers whether configuration management decides a file's
// state and whether the file is in that state.
type ConfigManager interface {
	// Name is the word used in verdicts: "Puppet", ...
	Name() string
	Check(ctx context.Context, f *File) (ConfigResult, error)
}

// ConfigResult is what a ConfigManager says about one file.
type ConfigResult struct {
	// Decides: the manager states what the file must be (its content,
	// its link target, or its absence), not merely that it exists.
	Decides bool
	Match   bool
	Detail  string
}

// Puppet is the ConfigManager for hosts run by a Puppet agent.
//
// It reads the catalog the agent cached at its last run
// (client_data/catalog/CERTNAME.json under the agent's cache directory),
// which holds every File resource the agent enforces. For a File resource
// whose path is the file's:
//   - ensure absent: it decides, and matches when the file is missing;
//   - ensure link (or a target): it decides, and matches when the file is a
//     symbolic link to that target;
//   - a content parameter (a string, or rich data Binary): it decides, and
//     matches when the content is exactly that;
//   - a content of the form {md5}HEX or {sha256}HEX (and sha1, sha224,
//     sha384, sha512), and a source whose checksum a static catalog inlined
//     in its metadata: it decides, and matches when the digest is equal;
//   - otherwise (a source with no inlined checksum, a directory, only
//     ownership and mode): it does not decide, and the package managers do.
//
// The agent's state.yaml (state/state.yaml) is not used: it records only
// when each resource was last checked and synced, not what the file must
// hold, so it cannot tell an intended change from any other. Neither is the
// clientbucket (filebucket): it keeps the content a file had before Puppet
// replaced it, not the content Puppet wants. The catalog is trusted only when
// it is a regular file owned by root and writable by no one else.
type Puppet struct {
	// CatalogDirs are searched for *.json catalogs.
	CatalogDirs []string
	// TrustedUID owns the catalogs (0; tests use their own uid).
	TrustedUID uint32

	mu    sync.Mutex
	stamp string
	index map[string]puppetFile
}

// DefaultPuppetCatalogDirs are where Puppet 4+ and Puppet 3 agents cache
// their catalog.
var DefaultPuppetCatalogDirs = []string{
	"/opt/puppetlabs/puppet/cache/client_data/catalog",
	"/var/lib/puppet/client_data/catalog",
}

// Name implements ConfigManager.
func (*Puppet) Name() string { return "Puppet" }

// puppetFile is the desired state of one managed file.
type puppetFile struct {
	absent     bool
	link       *string
	content    *[]byte
	algo, hash string // a checksum in hex, when the content is known by digest
}

// Check implements ConfigManager.
func (p *Puppet) Check(ctx context.Context, f *File) (ConfigResult, error) {
	idx, err := p.load()
	if err != nil {
		return ConfigResult{}, err
	}
	want, ok := idx[f.Path]
	if !ok && f.RealPath != f.Path {
		want, ok = idx[f.RealPath]
	}
	if !ok {
		return ConfigResult{}, nil
	}
	switch {
	case want.absent:
		return ConfigResult{Decides: true, Match: !f.Exists, Detail: "Puppet wants it absent"}, nil
	case want.link != nil:
		return ConfigResult{Decides: true, Match: f.IsSymlink() && f.LinkTarget == *want.link,
			Detail: "Puppet wants a link to " + *want.link}, nil
	case want.content != nil:
		same, err := f.ContentEquals(ctx, *want.content)
		if err != nil {
			return ConfigResult{}, err
		}
		return ConfigResult{Decides: true, Match: same, Detail: "content differs from the catalog"}, nil
	case want.hash != "":
		if !f.IsRegular() {
			return ConfigResult{Decides: true, Detail: "not a regular file"}, nil
		}
		same, err := f.DigestMatches(ctx, want.algo, want.hash)
		if err != nil {
			return ConfigResult{}, err
		}
		return ConfigResult{Decides: true, Match: same, Detail: want.algo + " digest differs from the catalog"}, nil
	}
	return ConfigResult{}, nil
}

// load reads the catalogs once and again only when one changed.
func (p *Puppet) load() (map[string]puppetFile, error) {
	type cat struct{ path, stamp string }
	var cats []cat
	for _, dir := range p.CatalogDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") || !e.Type().IsRegular() {
				continue
			}
			full := filepath.Join(dir, e.Name())
			info, err := e.Info()
			if err != nil {
				continue
			}
			cats = append(cats, cat{full, fmt.Sprintf("%s:%d:%d", full, info.Size(), info.ModTime().UnixNano())})
		}
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].path < cats[j].path })
	var stamps []string
	for _, c := range cats {
		stamps = append(stamps, c.stamp)
	}
	stamp := strings.Join(stamps, "\n")
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.index != nil && stamp == p.stamp {
		return p.index, nil
	}
	idx := map[string]puppetFile{}
	for _, c := range cats {
		data, err := readTrusted(c.path, p.TrustedUID)
		if err != nil {
			return nil, err
		}
		if err := indexCatalog(data, idx); err != nil {
			return nil, fmt.Errorf("%s: %w", c.path, err)
		}
	}
	p.stamp, p.index = stamp, idx
	return idx, nil
}

// puppetCatalog is the part of a cached catalog the program reads.
type puppetCatalog struct {
	Resources []struct {
		Type       string                     `json:"type"`
		Title      string                     `json:"title"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"resources"`
	// Metadata is a static catalog's inlined file metadata, by title.
	Metadata map[string]struct {
		Checksum struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"checksum"`
	} `json:"metadata"`
}

// indexCatalog adds the File resources of a catalog to idx by path.
func indexCatalog(data []byte, idx map[string]puppetFile) error {
	var c puppetCatalog
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	for _, r := range c.Resources {
		if r.Type != "File" {
			continue
		}
		str := func(k string) (string, bool) {
			var s string
			raw, ok := r.Parameters[k]
			if !ok || json.Unmarshal(raw, &s) != nil {
				return "", false
			}
			return s, true
		}
		path := r.Title
		if p, ok := str("path"); ok {
			path = p
		}
		path = strings.TrimRight(path, "/")
		if path == "" || path[0] != '/' {
			continue
		}
		var want puppetFile
		ensure, _ := str("ensure")
		target, hasTarget := str("target")
		switch {
		case ensure == "absent":
			want.absent = true
		case ensure == "link" || (hasTarget && ensure != "file" && ensure != "directory" && ensure != "present"):
			if !hasTarget {
				continue
			}
			if ensure != "link" && ensure != "" {
				target = ensure // ensure => '/some/target' means a link
			}
			want.link = &target
		case ensure == "directory":
			continue
		default:
			if s, ok := str("content"); ok {
				if algo, sum, ok := puppetChecksum(s); ok {
					want.algo, want.hash = algo, sum
				} else {
					b := []byte(s)
					want.content = &b
				}
			} else if raw, ok := r.Parameters["content"]; ok {
				var rich struct {
					Type  string `json:"__ptype"`
					Value string `json:"__pvalue"`
				}
				if json.Unmarshal(raw, &rich) != nil || rich.Type != "Binary" {
					continue
				}
				b, err := base64.StdEncoding.DecodeString(rich.Value)
				if err != nil {
					continue
				}
				want.content = &b
			} else if m, ok := c.Metadata[r.Title]; ok && m.Checksum.Value != "" {
				algo, sum, ok := puppetChecksum(m.Checksum.Value)
				if !ok {
					continue
				}
				want.algo, want.hash = algo, sum
			} else {
				continue
			}
		}
		idx[path] = want
	}
	return nil
}

// puppetChecksum parses "{md5}HEX" (and sha1, sha224, sha256, sha384, sha512).
func puppetChecksum(s string) (algo, sum string, ok bool) {
	if !strings.HasPrefix(s, "{") {
		return "", "", false
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return "", "", false
	}
	algo, sum = s[1:end], strings.ToLower(s[end+1:])
	sizes := map[string]int{"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128}
	if n, known := sizes[algo]; !known || len(sum) != n || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", "", false
	}
	return algo, sum, true
}
