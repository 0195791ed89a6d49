// Package dockerengine runs cases inside OSSEC manager containers: the
// "docker" engine of ossec-ruletest.
//
// A run starts one container (Start) from a manager image: the real OSSEC
// manager image built from containers/manager, or the stand-in image
// (ImageStandin) that this package builds locally from our own statically
// linked binary installed as /var/ossec/bin/ossec-logtest. Each case gets a
// Session: its ruleset is copied into the container under /ruletest/sN and
// its lines go through one ossec-logtest process started with docker exec,
// so that correlation state stays per case. The output is parsed with the
// same parser as the logtest engine.
//
// Containers carry the labels LabelManaged, LabelRun and LabelOwner. A
// Manager removes its container on Close, when the context given to Start
// ends (a run timeout), and on SIGINT, SIGTERM or SIGHUP; Start also sweeps
// containers left behind by runs whose process is gone.
//
// The stand-in proves the plumbing (lifecycle, parallel sessions, cleanup,
// error paths); fidelity to OSSEC comes only from a real manager image.
//
//	m, err := docker.Start(ctx, docker.Config{Image: docker.ImageStandin})
//	if err != nil { ... }
//	defer m.Close()
package docker
