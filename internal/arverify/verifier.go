//go:build linux

package arverify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Verifier decides the verdict for one path.
type Verifier struct {
	Configs  []ConfigManager
	Packages []PackageManager
	// Open opens a path for verification; OpenForVerify when nil.
	Open func(ctx context.Context, path string) (*File, error)
	// TransactionWait bounds how long Verify waits for a package
	// transaction in progress to end (DefaultTransactionWait when zero).
	TransactionWait time.Duration
	// Sleep waits between probes of a busy package manager (time.Sleep
	// when nil; tests replace it).
	Sleep func(time.Duration)

	// waited: the batch this verifier serves already waited for the
	// package managers (see forBatch); a transaction found in progress
	// now is not waited for again.
	waited bool
}

// forBatch waits, once for a batch of files, while a package manager is in
// a transaction (up to TransactionWait), and returns the verifier for the
// batch, which does not wait again.
func (v *Verifier) forBatch(ctx context.Context) *Verifier {
	b := *v
	for _, m := range v.Packages {
		b.waitIdle(ctx, m)
	}
	b.waited = true
	return &b
}

// DefaultTransactionWait is how long Verify waits for a running rpm or dpkg
// transaction before verifying anyway.
const DefaultTransactionWait = 10 * time.Minute

// Verify returns the verdict for raw, a file name as OSSEC passed it.
//
// The order is: a path that CheckPath refuses, or that OpenFile cannot open
// safely, is unverified (it is never resolved some other way, and "ok" is
// never guessed). So is a name that OSSEC may have cut at a newline (its
// directory holds an entry named like it followed by a newline) and a
// directory (OSSEC reports files; a directory name is a cut name, and what
// a package records of a directory says nothing of the files in it). Then
// configuration management: if a ConfigManager decides the file's state,
// its answer is the verdict (ok, or managed by it and changed outside of
// it), because it overrides the package's copy of a configuration file.
// Then the package managers: while one is in a transaction, Verify waits for
// the end (up to TransactionWait) so that a file the transaction is
// replacing is compared with the database the transaction leaves, and if the
// transaction does not end the verdict is unverified; a file owned by a
// package is ok when it matches, and managed and changed outside of the
// package manager otherwise. A file no one manages is unmanaged. An error
// from a manager, or the end of ctx, makes the verdict unverified.
func (v *Verifier) Verify(ctx context.Context, raw string) Verdict {
	p, err := CheckPath(raw)
	if err != nil {
		return unverified(raw, CodeRefusedPath, "refused: "+err.Error())
	}
	open := v.Open
	if open == nil {
		open = OpenForVerify
	}
	f, err := open(ctx, p)
	if err != nil {
		return v.failed(ctx, p, CodeCannotOpen, "cannot open safely: "+err.Error())
	}
	defer func() { f.Close() }() // f may be reopened below
	if f.CutSibling != "" {
		return unverified(p, CodeNameCut, "the directory holds "+EscapePath(f.CutSibling)+": OSSEC ends a name at its first newline, so the changed file may be that one")
	}
	if f.IsDir() {
		return unverified(p, CodeDirectory, "a directory: OSSEC reports files, so the name was cut")
	}
	for _, c := range v.Configs {
		res, err := c.Check(ctx, f)
		if err != nil {
			return v.failed(ctx, p, errCode(err), c.Name()+": "+err.Error())
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
		if waited, busy := v.waitIdle(ctx, m); busy {
			// Mid-transaction the file and the database may disagree
			// either way: no honest answer.
			return v.failed(ctx, p, CodeTransaction, m.Name()+": a transaction is still in progress")
		} else if waited {
			// The transaction may have replaced the file after it was
			// opened: look again.
			f.Close()
			if f, err = open(ctx, p); err != nil {
				return v.failed(ctx, p, CodeCannotOpen, "cannot open safely: "+err.Error())
			}
			if f.IsDir() {
				return unverified(p, CodeDirectory, "a directory: OSSEC reports files, so the name was cut")
			}
		}
		res, err := m.Check(ctx, f)
		if err != nil {
			return v.failed(ctx, p, errCode(err), m.Name()+": "+err.Error())
		}
		if !res.Owned {
			continue
		}
		if res.Match {
			return Verdict{Kind: OK, Path: p, Reason: fmt.Sprintf("%s package %s matches", m.Name(), res.Package)}
		}
		return Verdict{Kind: Changed, Manager: m.Name(), Path: p, Reason: res.Detail}
	}
	if ctx.Err() != nil {
		return unverified(p, CodeTimeout, "deadline passed: "+ctx.Err().Error())
	}
	return Verdict{Kind: Unmanaged, Path: p, Reason: "no package or configuration management decides it"}
}

// errCode is the code of an unverified verdict for a manager's error.
func errCode(err error) string {
	if errors.Is(err, ErrChangedWhileReading) {
		return CodeChanged
	}
	return CodeManagerError
}

// failed is the unverified verdict for a failure: CodeTimeout when ctx
// ended (the failure is then most likely that), code otherwise.
func (v *Verifier) failed(ctx context.Context, p, code, reason string) Verdict {
	if ctx.Err() != nil {
		code = CodeTimeout
	}
	return unverified(p, code, reason)
}

// waitIdle waits while m is in a transaction, up to TransactionWait, and
// reports whether it waited at all and whether m is still busy.
func (v *Verifier) waitIdle(ctx context.Context, m PackageManager) (waited, busy bool) {
	if !m.Busy() {
		return false, false
	}
	if v.waited {
		return false, true
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
	for w := time.Duration(0); w < limit && ctx.Err() == nil; w += step {
		sleep(step)
		if !m.Busy() {
			return true, false
		}
	}
	return true, true
}
