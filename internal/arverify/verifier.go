package arverify

import (
	"context"
	"fmt"
	"time"
)

// Verifier decides the verdict for one path.
type Verifier struct {
	Configs  []ConfigManager
	Packages []PackageManager
	// Open opens a path for verification; OpenFile when nil.
	Open func(path string) (*File, error)
	// TransactionWait bounds how long Verify waits for a package
	// transaction in progress to end (DefaultTransactionWait when zero).
	TransactionWait time.Duration
	// Sleep waits between probes of a busy package manager (time.Sleep
	// when nil; tests replace it).
	Sleep func(time.Duration)
}

// DefaultTransactionWait is how long Verify waits for a running rpm or dpkg
// transaction before verifying anyway.
const DefaultTransactionWait = 10 * time.Minute

// Verify returns the verdict for raw, a file name as OSSEC passed it.
//
// The order is: a path that CheckPath refuses, or that OpenFile cannot open
// safely, is unmanaged (it is never resolved some other way, and "ok" is never
// guessed). Then configuration management: if a ConfigManager decides the
// file's state, its answer is the verdict (ok, or managed by it and changed
// outside of it), because it overrides the package's copy of a
// configuration file. Then the package managers: while one is in a
// transaction, Verify waits for the end (up to TransactionWait) so that a
// file the transaction is replacing is compared with the database the
// transaction leaves; a file owned by a package is ok when it matches, and
// managed and changed outside of the package manager otherwise. A file no one
// manages is unmanaged. An error from a manager makes the verdict unmanaged,
// with the error as the reason.
func (v *Verifier) Verify(ctx context.Context, raw string) Verdict {
	p, err := CheckPath(raw)
	if err != nil {
		return Verdict{Kind: Unmanaged, Path: raw, Reason: "refused: " + err.Error()}
	}
	open := v.Open
	if open == nil {
		open = OpenFile
	}
	f, err := open(p)
	if err != nil {
		return Verdict{Kind: Unmanaged, Path: p, Reason: "cannot open safely: " + err.Error()}
	}
	defer func() { f.Close() }() // f may be reopened below
	for _, c := range v.Configs {
		res, err := c.Check(ctx, f)
		if err != nil {
			return Verdict{Kind: Unmanaged, Path: p, Reason: c.Name() + ": " + err.Error()}
		}
		if !res.Decides {
			continue
		}
		if res.Match {
			return Verdict{Kind: OK, Path: p, Reason: c.Name() + " state matches"}
		}
		return Verdict{Kind: Changed, Manager: c.Name(), Path: p, Reason: res.Detail}
	}
	for _, m := range v.Packages {
		if v.waitIdle(ctx, m) {
			// The transaction may have replaced the file after it was
			// opened: look again.
			f.Close()
			if f, err = open(p); err != nil {
				return Verdict{Kind: Unmanaged, Path: p, Reason: "cannot open safely: " + err.Error()}
			}
		}
		res, err := m.Check(ctx, f)
		if err != nil {
			return Verdict{Kind: Unmanaged, Path: p, Reason: m.Name() + ": " + err.Error()}
		}
		if !res.Owned {
			continue
		}
		if res.Match {
			return Verdict{Kind: OK, Path: p, Reason: fmt.Sprintf("%s package %s matches", m.Name(), res.Package)}
		}
		return Verdict{Kind: Changed, Manager: m.Name(), Path: p, Reason: res.Detail}
	}
	return Verdict{Kind: Unmanaged, Path: p, Reason: "no package or configuration management decides it"}
}

// waitIdle waits while m is in a transaction, up to TransactionWait, and
// reports whether it waited at all.
func (v *Verifier) waitIdle(ctx context.Context, m PackageManager) bool {
	if !m.Busy() {
		return false
	}
	limit := v.TransactionWait
	if limit <= 0 {
		limit = DefaultTransactionWait
	}
	sleep := v.Sleep
	if sleep == nil {
		sleep = time.Sleep
	}
	const step = time.Second
	for waited := time.Duration(0); waited < limit && m.Busy() && ctx.Err() == nil; waited += step {
		sleep(step)
	}
	return true
}
