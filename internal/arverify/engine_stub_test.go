//go:build linux && arverify_mutation

package arverify

import "testing"

// checkOnEngine is left out of mutation runs (go test -tags
// arverify_mutation): the engine, the harness and PCRE make the test binary
// several times slower to link, and the program's code, which mutations
// change, is checked against the decoder's patterns by TestAdversarialPaths
// itself. Plain go test always runs the real one (engine_check_test.go).
func checkOnEngine(t *testing.T, _ []engineCheck) {
	t.Log("arverify_mutation: the engine check is not linked in")
}
