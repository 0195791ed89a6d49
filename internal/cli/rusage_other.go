//go:build !unix

package cli

import (
	"os"
	"time"
)

type procUsage struct {
	cpu    time.Duration
	maxRSS int64
	ok     bool
}

// selfUsage is not measured on this system.
func selfUsage() procUsage { return procUsage{} }

// childUsage is not measured on this system.
func childUsage(*os.ProcessState) procUsage { return procUsage{} }
