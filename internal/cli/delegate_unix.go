//go:build unix

package cli

import (
	"os"
	"syscall"
)

// execProgram replaces this process with the program path, run with args
// (its name, path, before them) and this environment: signals, standard
// input and output and the exit code are then the program's. It returns
// only when the program cannot be run.
func execProgram(path string, args []string) (int, error) {
	err := syscall.Exec(path, append([]string{path}, args...), os.Environ())
	return ExitUsage, err
}
