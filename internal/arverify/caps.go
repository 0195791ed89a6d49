//go:build linux

package arverify

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Capabilities are a file's capability sets as the kernel applies them at
// exec, or as a package records them: the permitted, inheritable and
// effective sets (bit n is capability n), and for capabilities written in a
// user namespace (VFS revision 3) the uid of that namespace's root, 0 for
// the host's.
//
// rpm records a file's capabilities (the FILECAPS tag) as the text libcap's
// cap_to_text writes; the file holds them in its security.capability
// extended attribute, in the kernel's binary form (struct vfs_cap_data).
// ParseCapText and DecodeVFSCaps bring both to Capabilities, which compare
// with ==, as rpm -V compares them (libcap's cap_compare): no capabilities
// at all, "" and "=" are the same empty sets.
type Capabilities struct {
	Permitted, Inheritable, Effective uint64
	RootID                            uint32
}

// IsZero reports whether c grants nothing.
func (c Capabilities) IsZero() bool { return c == Capabilities{} }

// String is c in libcap's text form (one clause per set of flags, e.g.
// "cap_net_raw=ep"), for the log.
func (c Capabilities) String() string {
	if c.IsZero() {
		return "="
	}
	// Group capabilities by their flags, as cap_to_text does.
	groups := map[string][]string{}
	var order []string
	for n := 0; n < 64; n++ {
		bit := uint64(1) << n
		flags := ""
		if c.Effective&bit != 0 {
			flags += "e"
		}
		if c.Inheritable&bit != 0 {
			flags += "i"
		}
		if c.Permitted&bit != 0 {
			flags += "p"
		}
		if flags == "" {
			continue
		}
		if _, ok := groups[flags]; !ok {
			order = append(order, flags)
		}
		groups[flags] = append(groups[flags], capName(n))
	}
	var clauses []string
	for _, flags := range order {
		clauses = append(clauses, strings.Join(groups[flags], ",")+"="+flags)
	}
	s := strings.Join(clauses, " ")
	if c.RootID != 0 {
		s += fmt.Sprintf(" [rootid=%d]", c.RootID)
	}
	return s
}

// capNames are the capabilities' names by number (linux/capability.h).
var capNames = []string{
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
	"cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
	"cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock",
	"cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
	"cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
	"cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
	"cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
}

func capName(n int) string {
	if n < len(capNames) {
		return capNames[n]
	}
	return strconv.Itoa(n)
}

// capLastCapFile is where the kernel says its highest capability number.
var capLastCapFile = "/proc/sys/kernel/cap_last_cap"

// lastCap is the highest capability the running kernel knows, which "all"
// (and a clause with no names) stands for in libcap's text form.
func lastCap() int {
	data, err := os.ReadFile(capLastCapFile)
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && n >= 0 && n < 64 {
			return n
		}
	}
	return len(capNames) - 1
}

// ParseCapText parses capabilities in libcap's text form (cap_from_text),
// as rpm's FILECAPS holds them: clauses separated by white space, each a
// comma-separated list of capability names (or numbers, or "all"; none
// means all) followed by one or more operator-flags pairs, the operator one
// of "=" (set exactly these flags), "+" (raise) or "-" (lower), the flags
// letters of "eip". "" is no capabilities. last is the highest capability
// number "all" covers.
func ParseCapText(text string, last int) (Capabilities, error) {
	var sets [3]uint64 // e, i, p
	all := uint64(1)<<(last+1) - 1
	for _, clause := range strings.Fields(text) {
		op := strings.IndexAny(clause, "=+-")
		if op < 0 {
			return Capabilities{}, fmt.Errorf("capabilities %q: clause %q has no operator", text, clause)
		}
		var caps uint64
		if op == 0 {
			if clause[0] != '=' {
				return Capabilities{}, fmt.Errorf("capabilities %q: clause %q names no capability", text, clause)
			}
			caps = all
		}
		for _, name := range strings.Split(clause[:op], ",") {
			if op == 0 {
				break // "=flags": every capability
			}
			n, err := capNumber(name)
			if err != nil {
				return Capabilities{}, fmt.Errorf("capabilities %q: %v", text, err)
			}
			if n < 0 {
				caps |= all
			} else {
				caps |= 1 << n
			}
		}
		rest := clause[op:]
		for rest != "" {
			o := rest[0]
			end := 1
			for end < len(rest) && strings.IndexByte("=+-", rest[end]) < 0 {
				end++
			}
			flags := rest[1:end]
			rest = rest[end:]
			if flags == "" && o != '=' {
				return Capabilities{}, fmt.Errorf("capabilities %q: %q without flags", text, string(o))
			}
			var which [3]bool
			for i := 0; i < len(flags); i++ {
				k := strings.IndexByte("eip", flags[i]|0x20)
				if k < 0 {
					return Capabilities{}, fmt.Errorf("capabilities %q: unknown flag %q", text, flags[i])
				}
				which[k] = true
			}
			for k := range sets {
				switch {
				case o == '=' && which[k], o == '+' && which[k]:
					sets[k] |= caps
				case o == '=' || (o == '-' && which[k]):
					sets[k] &^= caps
				}
			}
		}
	}
	return Capabilities{Effective: sets[0], Inheritable: sets[1], Permitted: sets[2]}, nil
}

// capNumber returns the number of a capability name (libcap accepts any
// case, and numbers), or -1 for "all".
func capNumber(name string) (int, error) {
	lower := strings.ToLower(name)
	if lower == "all" {
		return -1, nil
	}
	for i, n := range capNames {
		if n == lower {
			return i, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < 64 && allDigits(name) {
		return n, nil
	}
	return 0, fmt.Errorf("unknown capability %q", name)
}

// The kernel's struct vfs_cap_data (linux/capability.h): a little-endian
// 32-bit magic (revision and flags), then per 32 capabilities the permitted
// and inheritable words, and for revision 3 the namespace root's uid.
const (
	vfsCapRevisionMask    = 0xff000000
	vfsCapFlagsEffective  = 0x000001
	vfsCapRevision1       = 0x01000000
	vfsCapRevision2       = 0x02000000
	vfsCapRevision3       = 0x03000000
	vfsCapRevision1Size   = 4 + 8
	vfsCapRevision2Size   = 4 + 16
	vfsCapRevision3Size   = 4 + 16 + 4
	securityCapabilityKey = "security.capability"
)

// DecodeVFSCaps decodes a security.capability attribute. The effective
// flag makes every permitted and inheritable capability effective at exec,
// as libcap reads it.
func DecodeVFSCaps(b []byte) (Capabilities, error) {
	if len(b) < 4 {
		return Capabilities{}, fmt.Errorf("%s of %d bytes", securityCapabilityKey, len(b))
	}
	le := binary.LittleEndian
	magic := le.Uint32(b)
	var c Capabilities
	want := 0
	switch magic & vfsCapRevisionMask {
	case vfsCapRevision1:
		want = vfsCapRevision1Size
	case vfsCapRevision2:
		want = vfsCapRevision2Size
	case vfsCapRevision3:
		want = vfsCapRevision3Size
	default:
		return Capabilities{}, fmt.Errorf("%s revision %#x unknown", securityCapabilityKey, magic&vfsCapRevisionMask)
	}
	if len(b) != want {
		return Capabilities{}, fmt.Errorf("%s of %d bytes, revision %#x has %d", securityCapabilityKey, len(b), magic&vfsCapRevisionMask, want)
	}
	if magic&^(vfsCapRevisionMask|vfsCapFlagsEffective) != 0 {
		return Capabilities{}, fmt.Errorf("%s has unknown flags %#x", securityCapabilityKey, magic&^vfsCapRevisionMask)
	}
	c.Permitted = uint64(le.Uint32(b[4:]))
	c.Inheritable = uint64(le.Uint32(b[8:]))
	if want >= vfsCapRevision2Size {
		c.Permitted |= uint64(le.Uint32(b[12:])) << 32
		c.Inheritable |= uint64(le.Uint32(b[16:])) << 32
	}
	if want == vfsCapRevision3Size {
		c.RootID = le.Uint32(b[20:])
	}
	if magic&vfsCapFlagsEffective != 0 {
		c.Effective = c.Permitted | c.Inheritable
	}
	return c, nil
}

// capsDiff returns "" when the file's capabilities are the ones the package
// records (text, libcap's form; "" or "(none)" for none), else what
// differs.
func capsDiff(f *File, text string) (string, error) {
	if text == "(none)" {
		text = ""
	}
	want, err := ParseCapText(text, lastCap())
	if err != nil {
		return "", err
	}
	if f.CapsErr != nil {
		return "", f.CapsErr
	}
	var got Capabilities
	if f.Caps != nil {
		if got, err = DecodeVFSCaps(f.Caps); err != nil {
			// Nothing a package installs: not a match.
			return "capabilities unreadable (" + err.Error() + ")", nil
		}
	}
	if got != want {
		return fmt.Sprintf("capabilities %s, package %s", got, want), nil
	}
	return "", nil
}
