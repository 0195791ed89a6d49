package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker/layout"
	"github.com/ossec-ruletest/ossec-ruletest/internal/untar"
)

// Layout is how an image lays out its OSSEC installation (see package
// layout).
type Layout string

// Layouts.
const (
	// LayoutFlat: /var/ossec/etc and the others are directories.
	LayoutFlat Layout = "flat"
	// LayoutOfficial: they are links into the volume /var/ossec/data,
	// filled from *-template copies at start (atomicorp/ossec-docker).
	LayoutOfficial Layout = "official"
)

// Layout returns the layout the image's installation has.
func (m *Manager) Layout() Layout { return m.layout }

// fillScript does to the data volume of a real image what its entrypoint
// (ossec-server.sh) does before it starts the daemons: each data
// directory that is a dangling link gets a copy of its template, and the
// daemons' directories are made group-writable. It prints the names it
// filled.
const fillScript = `set -e
cd /var/ossec
for d in ` + "etc rules logs stats queue" + `; do
  if [ -L "$d" ] && [ ! -e "$d" ] && [ -d "$d-template" ]; then
    t=$(readlink "$d")
    case $t in /*) ;; *) t=/var/ossec/$t ;; esac
    mkdir -p "$t"
    cp -a "$d-template/." "$t/"
    echo "$d"
  fi
done
if [ -d data ]; then
  touch data/process_list
  chgrp ossec data/process_list 2>/dev/null || true
  chmod g+rw data/process_list
  for d in logs stats queue; do [ -d "data/$d" ] && chmod -R g+rw "data/$d"; done
fi
exit 0`

// prepareInstallation finds the image's layout and, for the official one,
// makes its installation usable: a real image's volume is filled as its
// entrypoint would (fillScript; the engine runs the image idle and starts
// the daemons itself), and the stand-in's own entrypoint fills it, which
// this waits for.
func (m *Manager) prepareInstallation(ctx context.Context) error {
	link, err := m.isLink(ctx, ossecDir+"/etc")
	if err != nil {
		return err
	}
	m.layout = LayoutFlat
	if !link {
		return nil
	}
	m.layout = LayoutOfficial
	if !m.standin {
		if out, err := m.sh(ctx, fillScript); err != nil {
			return m.errorf(CodeStart, err, "cannot fill the data volume of the official layout from its templates: %s", out)
		}
	}
	// Wait until every data directory resolves (the stand-in's entrypoint
	// may still be copying).
	deadline := time.Now().Add(m.cfg.StartTimeout)
	for _, d := range layout.DataDirs {
		for {
			ok, err := m.resolves(ctx, path.Join(ossecDir, d, "."))
			if err != nil {
				return err
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				return m.errorf(CodeStart, nil, "%s/%s (official layout) is still a dangling link after %v: the data volume was not filled from %s-template; container output: %s",
					ossecDir, d, m.cfg.StartTimeout, d, m.logsTail(ctx))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// isLink reports whether p in the container is a symbolic link.
func (m *Manager) isLink(ctx context.Context, p string) (bool, error) {
	var buf bytes.Buffer
	err := m.pool.Client.DownloadFromContainer(m.ContainerID(), dc.DownloadFromContainerOptions{Path: p, OutputStream: &buf, Context: ctx})
	if err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, m.errorf(CodeExec, err, "cannot look at %s in the container", p)
	}
	h, err := tar.NewReader(&buf).Next()
	if err != nil {
		return false, m.errorf(CodeExec, err, "reading what the container gave for %s", p)
	}
	return h.Typeflag == tar.TypeSymlink, nil
}

// resolves reports whether p exists in the container, links followed.
func (m *Manager) resolves(ctx context.Context, p string) (bool, error) {
	err := m.pool.Client.DownloadFromContainer(m.ContainerID(), dc.DownloadFromContainerOptions{Path: p, OutputStream: io.Discard, Context: ctx})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, m.errorf(CodeExec, err, "cannot look at %s in the container", p)
}

func isNotFound(err error) bool {
	var e *dc.Error
	return errors.As(err, &e) && e.Status == 404
}

// maxLinkHops bounds the links followed for one path, as the kernel does.
const maxLinkHops = 40

// DownloadInstallation copies the trees subs of dir (an absolute path in
// the container) into a new temporary directory on this host and returns
// it. Symbolic links are resolved inside the container, whatever the
// layout: a linked directory (the official layout's etc -> data/etc) is
// copied as the directory it names, a linked file as the file.
func (m *Manager) DownloadInstallation(ctx context.Context, dir string, subs ...string) (string, error) {
	if m.isClosed() {
		return "", m.closedError()
	}
	tmp, err := os.MkdirTemp("", "ruletest-image-base-")
	if err != nil {
		return "", err
	}
	for _, sub := range subs {
		if err := m.downloadResolved(ctx, path.Join(dir, sub), filepath.Join(tmp, sub), 0); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
	}
	return tmp, nil
}

// downloadResolved copies the container's p (links followed) to dst.
func (m *Manager) downloadResolved(ctx context.Context, p, dst string, hops int) error {
	if hops > maxLinkHops {
		return m.errorf(CodeExec, nil, "too many levels of symbolic links at %s in the container", p)
	}
	var buf bytes.Buffer
	// "DIR/." makes the daemon follow DIR when it is a link; for a file
	// it fails, and the path is taken as it is.
	err := m.pool.Client.DownloadFromContainer(m.ContainerID(), dc.DownloadFromContainerOptions{
		Path: p + "/.", OutputStream: &buf, Context: ctx})
	isDir := err == nil
	if err != nil {
		buf.Reset()
		err = m.pool.Client.DownloadFromContainer(m.ContainerID(), dc.DownloadFromContainerOptions{
			Path: p, OutputStream: &buf, Context: ctx})
	}
	if err != nil {
		return m.errorf(CodeExec, err, "cannot copy %s out of the container", p)
	}
	links, err := tarLinks(buf.Bytes())
	if err != nil {
		return m.errorf(CodeExec, err, "reading the copy of %s", p)
	}
	if !isDir {
		// One entry, named after p: the file, or a link to follow.
		if target, ok := links[path.Base(p)]; ok {
			return m.downloadResolved(ctx, linkTarget(p, target), dst, hops+1)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dst), ".dl-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := untar.Extract(tmp, bytes.NewReader(buf.Bytes())); err != nil {
			return m.errorf(CodeExec, err, "cannot copy %s out of the container", p)
		}
		return os.Rename(filepath.Join(tmp, path.Base(p)), dst)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := untar.Extract(dst, bytes.NewReader(buf.Bytes())); err != nil {
		return m.errorf(CodeExec, err, "cannot copy %s out of the container", p)
	}
	for name, target := range links {
		if name == "." {
			continue
		}
		if err := m.downloadResolved(ctx, linkTarget(path.Join(p, name), target), filepath.Join(dst, filepath.FromSlash(name)), hops+1); err != nil {
			return err
		}
	}
	return nil
}

// linkTarget is the path a link at p with the given target names.
func linkTarget(p, target string) string {
	if path.IsAbs(target) {
		return path.Clean(target)
	}
	return path.Join(path.Dir(p), target)
}

// tarLinks returns the symbolic links of a tar stream, by cleaned name.
func tarLinks(data []byte) (map[string]string, error) {
	links := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return links, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeSymlink {
			name := path.Clean(h.Name)
			if strings.HasPrefix(name, "../") || path.IsAbs(name) {
				return nil, fmt.Errorf("tar entry %q leaves the directory", h.Name)
			}
			links[name] = h.Linkname
		}
	}
}
