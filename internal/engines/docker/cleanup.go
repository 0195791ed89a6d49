package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// StaleAfter is the age past which a labelled container whose owner cannot
// be checked (it ran on another host) counts as left behind.
const StaleAfter = 12 * time.Hour

// ownerLabel identifies this process: host name, pid and the pid's start
// time (so that a reused pid is not mistaken for the owner).
func ownerLabel() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return fmt.Sprintf("%s %d %s", host, pid, procStart(pid))
}

// procStart returns the start time of pid in clock ticks since boot, from
// /proc/PID/stat, or "-" when it cannot be read.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "-"
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields after it start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "-"
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return "-"
	}
	return f[19]
}

// ownerGone reports whether the owner label names a process of this host
// that no longer runs. Owners on other hosts are never gone by this test.
func ownerGone(label string) (gone, local bool) {
	f := strings.Fields(label)
	if len(f) != 3 {
		return false, false
	}
	host, _ := os.Hostname()
	if f[0] != host {
		return false, false
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return false, false
	}
	if processGone(pid) {
		return true, true
	}
	if f[2] != "-" {
		if now := procStart(pid); now != "-" && now != f[2] {
			return true, true // the pid was reused
		}
	}
	return false, true
}

// sweep removes containers left behind by runs whose process is gone
// (killed with SIGKILL, say), and foreign ones older than StaleAfter.
func sweep(ctx context.Context, pool *dockertest.Pool, cfg Config) error {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Context: sctx,
		Filters: map[string][]string{"label": {LabelManaged + "=1"}}})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range list {
		gone, local := ownerGone(c.Labels[LabelOwner])
		old := time.Since(time.Unix(c.Created, 0)) > StaleAfter
		if !gone && (local || !old) {
			continue
		}
		fmt.Fprintf(cfg.Log, "docker engine: removing container %s left behind by run %s (owner %q)\n",
			shortID(c.ID), c.Labels[LabelRun], c.Labels[LabelOwner])
		err := pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: sctx})
		var nsc *dc.NoSuchContainer
		if err != nil && !errors.As(err, &nsc) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// live is the set of managers whose containers exist, for the signal
// handler.
var live struct {
	sync.Mutex
	set map[*Manager]bool
	ch  chan os.Signal
}

// cleanupSignals are the signals on which containers are removed before
// the process goes on to die (or to its own handler).
var cleanupSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// track adds m to the live set and installs the signal handler.
func track(m *Manager) {
	live.Lock()
	defer live.Unlock()
	if live.set == nil {
		live.set = map[*Manager]bool{}
	}
	live.set[m] = true
	if live.ch == nil {
		live.ch = make(chan os.Signal, 1)
		signal.Notify(live.ch, cleanupSignals...)
		go onSignal(live.ch)
	}
}

// untrack removes m from the live set; the handler goes when the set is
// empty, so that the signals' default action (or another handler) is back.
func untrack(m *Manager) {
	live.Lock()
	defer live.Unlock()
	delete(live.set, m)
	if len(live.set) == 0 && live.ch != nil {
		signal.Stop(live.ch)
		close(live.ch)
		live.ch = nil
	}
}

// onSignal removes every live container on the first signal, then sends
// the signal again to this process: without another handler it dies as it
// would have; with one (a CLI's signal.NotifyContext) that handler runs.
func onSignal(ch chan os.Signal) {
	sig, ok := <-ch
	if !ok {
		return
	}
	live.Lock()
	ms := make([]*Manager, 0, len(live.set))
	for m := range live.set {
		ms = append(ms, m)
	}
	live.Unlock()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.closeBecause("interrupted by " + sig.String())
		}()
	}
	wg.Wait()
	live.Lock()
	if live.ch == ch {
		signal.Stop(ch)
		live.ch = nil
	}
	live.Unlock()
	reraise(sig)
}
