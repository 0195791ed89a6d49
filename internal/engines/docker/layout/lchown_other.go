//go:build !unix

package layout

import "io/fs"

// lchown does nothing where files have no Unix owner (the layout is only
// filled inside a Linux image; the tool cross-builds).
func lchown(string, fs.FileInfo) error { return nil }
