package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// Labels put on every container this package starts.
const (
	LabelManaged = "org.ossec-ruletest.managed" // always "1"
	LabelRun     = "org.ossec-ruletest.run"     // the run's random id
	LabelOwner   = "org.ossec-ruletest.owner"   // "HOST PID START" of the owning process
	LabelStandin = "org.ossec-ruletest.standin" // on the stand-in image: "1"
	// LabelStandinBase is "1" on a stand-in image built with a base
	// installation (Config.StandinBase), which then serves as its own.
	LabelStandinBase = "org.ossec-ruletest.standin.base"
)

// Image names.
const (
	// ImageStandin selects the stand-in image, built from the running
	// binary when missing.
	ImageStandin = "standin"
	// DefaultImage is the manager image used when Config.Image is empty:
	// the official OSSEC server image, by the tag of the OSSEC version the
	// native engine models. Cases upload their own ruleset, so the plain
	// image serves logtest and live runs (live injection installs our
	// active response when the image has none).
	DefaultImage = "atomicorp/ossec-docker:4.3.0"
)

// Config says which image to run and where.
type Config struct {
	// Image is an image reference or ImageStandin; "" means DefaultImage.
	Image string
	// Endpoint is the Docker endpoint; "" means $DOCKER_HOST, else the
	// local socket.
	Endpoint string
	// Hostname is the container's hostname, which ossec-logtest gives
	// events without a syslog header (default "ruletest").
	Hostname string
	// Executable is the ossec-ruletest binary that goes into the stand-in
	// image and, for live injection, into a real manager container; ""
	// means the running executable. One built with cgo goes with its
	// loader and shared libraries (RuntimeFiles).
	Executable string
	// StandinBase is an OSSEC installation directory (etc/, rules/) that
	// the stand-in image carries as its own installation; "" gives it only
	// an idle ruleset, which is no base.
	StandinBase string
	// PingTimeout bounds the first contact with the daemon (default 5s).
	PingTimeout time.Duration
	// PullTimeout bounds pulling a missing image (default 10m).
	PullTimeout time.Duration
	// StartTimeout bounds creating and starting the container (default 1m).
	StartTimeout time.Duration
	// DaemonTimeout bounds the start of a manager's daemons in live
	// injection, until remoted passes a line to analysisd (default 2m).
	DaemonTimeout time.Duration
	// Lifetime is how long the idle main process of a real manager
	// container lives before it exits on its own, a safety net for a run
	// killed with SIGKILL (default 6h).
	Lifetime time.Duration
	// Log receives progress messages (image builds, sweeps); nil discards.
	Log io.Writer
}

func (c *Config) defaults() {
	if c.Image == "" {
		c.Image = DefaultImage
	}
	if c.Endpoint == "" {
		c.Endpoint = os.Getenv("DOCKER_HOST")
	}
	if c.Endpoint == "" {
		c.Endpoint = "unix:///var/run/docker.sock"
	}
	if c.Hostname == "" {
		c.Hostname = "ruletest"
	}
	if c.PingTimeout == 0 {
		c.PingTimeout = 5 * time.Second
	}
	if c.PullTimeout == 0 {
		c.PullTimeout = 10 * time.Minute
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = time.Minute
	}
	if c.DaemonTimeout == 0 {
		c.DaemonTimeout = 2 * time.Minute
	}
	if c.Lifetime == 0 {
		c.Lifetime = 6 * time.Hour
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// Manager is one manager container, shared by all the cases of a run.
// Its methods are safe for concurrent use.
type Manager struct {
	cfg     Config
	pool    *dockertest.Pool
	image   string // resolved reference
	standin bool
	layout  Layout
	// installed: the image has an OSSEC installation that can be a base
	// (a real image, or a stand-in built with one).
	installed bool
	runID     string
	name      string
	id        string // container id
	stopCtx   func() bool
	mu        sync.Mutex
	closed    bool
	closeErr  error
	removed   chan struct{} // closed once the container is removed
	reason    string        // why it was closed, for later errors
	nextSess  int

	liveLock   sync.Mutex // one live session at a time
	helperOnce sync.Once  // the injection helper is copied in once
	helperErr  error
	helperCmd  []string  // how to run the helper: [loader...] path
	liveOnce   sync.Once // live injection's preparation, once per run
	liveErr    error
	srv        *served // the served helper of live injection (under mu)
	// liveFiles are the sums of the files live injection installed, by
	// path (under liveLock).
	liveFiles map[string][32]byte
	// liveKeys are the daemonKeys of the daemons running for live
	// injection, nil when none may stay for the next case (under
	// liveLock).
	liveKeys map[string]string
}

// Start connects to the Docker daemon, makes sure the image is there
// (building the stand-in if asked), removes containers left behind by
// dead runs and starts one manager container. The container is removed by
// Close, when ctx ends, or on SIGINT, SIGTERM or SIGHUP.
func Start(ctx context.Context, cfg Config) (*Manager, error) {
	cfg.defaults()
	pool, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := sweep(ctx, pool, cfg); err != nil {
		fmt.Fprintf(cfg.Log, "docker engine: sweeping stale containers: %v\n", err)
	}
	m := &Manager{cfg: cfg, pool: pool, runID: newRunID(), removed: make(chan struct{})}
	m.name = "ossec-ruletest-" + m.runID
	if cfg.Image == ImageStandin {
		m.image, err = ensureStandin(ctx, pool, cfg)
		m.standin, m.installed = true, cfg.StandinBase != ""
	} else {
		m.image, err = ensureImage(ctx, pool, cfg)
		if err == nil {
			m.standin, m.installed = standinLabels(pool, m.image)
		}
	}
	if err != nil {
		return nil, err
	}
	track(m)
	if err := m.start(ctx); err != nil {
		m.Close()
		return nil, err
	}
	m.stopCtx = context.AfterFunc(ctx, func() { m.closeBecause("the run's context ended: " + context.Cause(ctx).Error()) })
	return m, nil
}

// connect makes the pool and pings the daemon, failing fast when it is not
// there.
func connect(ctx context.Context, cfg Config) (*dockertest.Pool, error) {
	pool, err := dockertest.NewPool(cfg.Endpoint)
	if err != nil {
		return nil, &Error{Code: CodeDaemon, Endpoint: cfg.Endpoint, Msg: "bad Docker endpoint", Err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.PingTimeout)
	defer cancel()
	if err := pool.Client.PingWithContext(pctx); err != nil {
		return nil, &Error{Code: CodeDaemon, Endpoint: cfg.Endpoint,
			Msg: "cannot reach the Docker daemon (is it running? DOCKER_HOST or --docker-endpoint selects another)", Err: err}
	}
	return pool, nil
}

// ensureImage returns the reference of cfg.Image, pulling it when the
// daemon does not have it.
func ensureImage(ctx context.Context, pool *dockertest.Pool, cfg Config) (string, error) {
	ref := cfg.Image
	if _, err := pool.Client.InspectImage(ref); err == nil {
		return ref, nil
	} else if !errors.Is(err, dc.ErrNoSuchImage) {
		return "", &Error{Code: CodeImage, Image: ref, Endpoint: cfg.Endpoint, Msg: "cannot inspect image", Err: err}
	}
	repo, tag := splitRef(ref)
	fmt.Fprintf(cfg.Log, "docker engine: pulling %s\n", ref)
	pctx, cancel := context.WithTimeout(ctx, cfg.PullTimeout)
	defer cancel()
	err := pool.Client.PullImage(dc.PullImageOptions{Repository: repo, Tag: tag, Context: pctx}, dc.AuthConfiguration{})
	if err != nil {
		return "", &Error{Code: CodeImage, Image: ref, Endpoint: cfg.Endpoint,
			Msg: "image is not on the Docker daemon and pulling it failed", Err: err}
	}
	return ref, nil
}

// splitRef splits "repo:tag" (a registry host may carry a port).
func splitRef(ref string) (repo, tag string) {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, "latest"
}

// standinLabels reports whether ref is a stand-in image and whether it
// has an installation (a real image always has one).
func standinLabels(pool *dockertest.Pool, ref string) (standin, installed bool) {
	img, err := pool.Client.InspectImage(ref)
	if err != nil || img.Config == nil || img.Config.Labels[LabelStandin] != "1" {
		return false, true
	}
	return true, img.Config.Labels[LabelStandinBase] == "1"
}

// start creates and starts the container and waits until it runs.
func (m *Manager) start(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(ctx, m.cfg.StartTimeout)
	defer cancel()
	conf := &dc.Config{
		Image:     m.image,
		Hostname:  m.cfg.Hostname,
		OpenStdin: true, // the stand-in's main process waits on stdin
		Labels: map[string]string{
			LabelManaged: "1",
			LabelRun:     m.runID,
			LabelOwner:   ownerLabel(),
		},
	}
	if !m.standin {
		// Any real manager image has a shell. Its own entrypoint starts
		// the daemons on the image's configuration (the official one also
		// ossec-authd, after a fixed 15 s wait): the engine runs the image
		// idle, does the entrypoint's preparation of the installation
		// itself (prepareInstallation) and starts the daemons only for
		// live injection, on each case's ruleset. The stand-in's own
		// entrypoint only prepares the installation: it runs.
		conf.Entrypoint = []string{"/bin/sh", "-c"}
		conf.Cmd = []string{fmt.Sprintf("exec sleep %d", int(m.cfg.Lifetime.Seconds()))}
	}
	c, err := m.pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: m.name, Config: conf, HostConfig: &dc.HostConfig{Init: !m.standin}, Context: sctx,
	})
	if err != nil {
		return m.errorf(CodeStart, err, "cannot create the manager container")
	}
	m.mu.Lock()
	m.id = c.ID
	closed := m.closed
	m.mu.Unlock()
	if closed {
		m.remove()
		return m.closedError()
	}
	if err := m.pool.Client.StartContainerWithContext(c.ID, nil, sctx); err != nil {
		return m.errorf(CodeStart, err, "cannot start the manager container")
	}
	// A container whose main process fails stops at once; give it a
	// moment and look.
	var state dc.State
	for i := 0; i < 3; i++ {
		time.Sleep(100 * time.Millisecond)
		info, err := m.pool.Client.InspectContainerWithContext(c.ID, sctx)
		if err != nil {
			return m.errorf(CodeStart, err, "cannot inspect the manager container")
		}
		state = info.State
		if !state.Running {
			return m.errorf(CodeStart, nil, "the manager container stopped at once (exit code %d): %s",
				state.ExitCode, m.logsTail(sctx))
		}
	}
	return m.prepareInstallation(sctx)
}

// Image returns the resolved image reference.
func (m *Manager) Image() string { return m.image }

// Endpoint returns the Docker endpoint.
func (m *Manager) Endpoint() string { return m.cfg.Endpoint }

// ContainerID returns the container's id.
func (m *Manager) ContainerID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.id
}

// RunID returns the value of the LabelRun label of this run's container.
func (m *Manager) RunID() string { return m.runID }

// Installed reports whether the image has an OSSEC installation of its
// own, which is the base of cases given none (every real image; a
// stand-in built with Config.StandinBase).
func (m *Manager) Installed() bool { return m.installed }

// Standin reports whether the container runs the stand-in image.
func (m *Manager) Standin() bool { return m.standin }

// Close removes the container and returns once it is gone, also when the
// removal was started by the end of the run's context or by a signal. It
// is safe to call more than once and from several goroutines.
func (m *Manager) Close() error {
	return m.closeBecause("it was closed")
}

func (m *Manager) closeBecause(reason string) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		<-m.removed // another caller is removing the container: wait for it
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.closeErr
	}
	m.closed = true
	m.reason = reason
	m.mu.Unlock()
	if m.stopCtx != nil {
		m.stopCtx()
	}
	if srv := m.servedHelper(); srv != nil {
		srv.close()
	}
	err := m.remove()
	untrack(m)
	m.mu.Lock()
	m.closeErr = err
	m.mu.Unlock()
	close(m.removed)
	return err
}

// remove force-removes every container of this run, found by id and by
// label (a create that raced with Close leaves no container behind).
func (m *Manager) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	ids := map[string]bool{}
	if id := m.ContainerID(); id != "" {
		ids[id] = true
	}
	list, err := m.pool.Client.ListContainers(dc.ListContainersOptions{All: true, Context: ctx,
		Filters: map[string][]string{"label": {LabelRun + "=" + m.runID}}})
	if err != nil {
		errs = append(errs, err)
	}
	for _, c := range list {
		ids[c.ID] = true
	}
	for id := range ids {
		err := m.pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: id, Force: true, RemoveVolumes: true, Context: ctx})
		var nsc *dc.NoSuchContainer
		if err != nil && !errors.As(err, &nsc) && !strings.Contains(err.Error(), "is already in progress") {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return m.errorf(CodeStart, errors.Join(errs...), "cannot remove container %s", m.name)
	}
	return nil
}

func (m *Manager) closedError() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &Error{Code: CodeClosed, Image: m.image, Endpoint: m.cfg.Endpoint,
		Msg: "the manager container is gone: " + m.reason}
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

func (m *Manager) errorf(code Code, err error, format string, args ...any) error {
	return &Error{Code: code, Image: m.image, Endpoint: m.cfg.Endpoint, Msg: fmt.Sprintf(format, args...), Err: err}
}

// logsTail returns the last lines the container printed, for errors.
func (m *Manager) logsTail(ctx context.Context) string {
	var out strings.Builder
	err := m.pool.Client.Logs(dc.LogsOptions{Context: ctx, Container: m.ContainerID(), OutputStream: &out, ErrorStream: &out,
		Stdout: true, Stderr: true, Tail: "20"})
	if err != nil {
		return "(no logs: " + err.Error() + ")"
	}
	s := strings.TrimSpace(out.String())
	if s == "" {
		return "(it printed nothing)"
	}
	return s
}

func newRunID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return hex.EncodeToString(b[:])
}
