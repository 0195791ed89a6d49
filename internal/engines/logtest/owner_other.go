//go:build !unix

package logtest

// ownerOf reports no owner where files have no Unix owner (ossec-logtest
// runs on Unix only; the tool cross-builds).
func ownerOf(string) (Owner, bool) { return Owner{}, false }
