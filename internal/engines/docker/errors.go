package docker

import (
	"fmt"
	"strings"
)

// Code classifies an Error so that callers and tests can tell failures
// apart without matching on wording.
type Code int

// Error codes.
const (
	// CodeDaemon: the Docker daemon cannot be reached at the endpoint.
	CodeDaemon Code = iota + 1
	// CodeImage: the image is not on the daemon and could not be pulled.
	CodeImage
	// CodeStandin: the stand-in image could not be built.
	CodeStandin
	// CodeStart: the container could not be created or started, or it
	// stopped on its own.
	CodeStart
	// CodeExec: a command inside the container failed.
	CodeExec
	// CodeClosed: the manager was closed (end of run, timeout or signal).
	CodeClosed
	// CodeLive: live injection found no alert or active response in time.
	CodeLive
)

var codeNames = map[Code]string{
	CodeDaemon:  "daemon unreachable",
	CodeImage:   "image unavailable",
	CodeStandin: "stand-in build failed",
	CodeStart:   "container start failed",
	CodeExec:    "exec failed",
	CodeClosed:  "manager closed",
	CodeLive:    "live injection failed",
}

// String returns a short name for the code.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Error is a failure of the docker engine. Its message names the image and
// the Docker endpoint whenever they are known, so that a user can act on it.
type Error struct {
	Code     Code
	Image    string // the image reference, "" when not known yet
	Endpoint string // the Docker endpoint, e.g. unix:///var/run/docker.sock
	Msg      string // what went wrong, in words
	Err      error  // the underlying error, if any
}

// Error returns "docker engine: MSG (image IMAGE, Docker endpoint ENDPOINT): ERR".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("docker engine: ")
	b.WriteString(e.Msg)
	var where []string
	if e.Image != "" {
		where = append(where, fmt.Sprintf("image %q", e.Image))
	}
	if e.Endpoint != "" {
		where = append(where, "Docker endpoint "+e.Endpoint)
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
