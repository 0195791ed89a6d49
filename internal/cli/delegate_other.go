//go:build !unix

package cli

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

// execProgram runs the program path with args as a child with this
// process's standard input and output and returns its exit code. An
// interrupt reaches the child from the console; this process waits for
// the child's own exit instead of ending first.
func execProgram(path string, args []string) (int, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if c := exit.ExitCode(); c >= 0 {
			return c, nil
		}
		return ExitInterrupt, nil // ended by a signal
	}
	if err != nil {
		return ExitUsage, err
	}
	return ExitOK, nil
}
