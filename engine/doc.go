// Package engine runs events through a compiled ruleset the way OSSEC
// 4.3.0's analysisd does, as ossec-logtest shows it: pre-decoding
// (OS_CleanMSG), decoding (DecodeEvent and the plugin decoders), the
// accumulator, rule matching (OS_CheckIfRuleMatch) with its correlation
// state (if_matched_sid, if_matched_group, frequency and timeframe,
// first-time-seen, check_diff), and the decision to log, mail and run
// active responses.
//
// An Engine is immutable and safe for concurrent use; a Session holds the
// state one ossec-logtest process accumulates and is not:
//
//	e := engine.New(rs, engine.Options{Hostname: "melancia"})
//	s := e.NewSession()
//	r := s.Process("Jan  1 00:00:00 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2")
//	if r.Rule != nil {
//		fmt.Println(r.Rule.ID, r.Alert)
//	}
//
// # What a Session reproduces
//
// A fresh Session is a fresh ossec-logtest process on an installation
// whose queue directory is empty. Like ossec-logtest it:
//   - reads a line as fgets does (6135 bytes at a time, lines shorter
//     than 2 bytes skipped) and analyses it as the message "1:stdin:line";
//   - keeps first-time-seen entries only in memory (a new process sees
//     every IDS event and every first login as new);
//   - never adds to the ignore list (AddtoIGnore does nothing under
//     ossec-logtest), so check_if_ignored never suppresses an alert;
//   - restarts a rule's ignore timer the way testrule.c does;
//   - keeps check_diff history, the rootcheck, syscheck and host
//     information databases in memory;
//   - uses the injected clock (Options.Now) in whole seconds for
//     timeframes, <time> and <weekday>.
//
// Analysisd-only behaviour that ossec-logtest lacks is not reproduced:
// the hourly statistics rule, the suppression of a syslog message
// repeated verbatim (LastMsg_Stats), GeoIP lookups, and the reverse DNS
// check of the is_valid_crawler compiled rule. Syscheck messages are
// decoded with the ruleset's <syscheck> settings (ignore, auto_ignore,
// alert_new_files); the FIM maintenance mode is never on. The
// first-time-seen list sizes are those of the stock internal_options.conf
// (32 entries, 14 bytes).
//
// # Speed
//
// Most of OSSEC's work is trying patterns that do not match. The engine
// avoids the calls it can decide without changing any result: at New it
// takes the literal description of every rule and decoder pattern that
// runs on the log (osregex.Pattern.Literals), and for each event it
// hashes the log's trigrams once; a literal-only pattern (an alternation
// of plain, ^- or $-anchored literals, or a string comparison) is then
// answered exactly, and any other pattern is skipped when no branch can
// match (a required literal is missing, or an anchored branch cannot
// start with the log's first byte). UTF-mode patterns (OS_Match,
// OS_Regex) are left to osregex for logs with bytes >= 0x80, where
// Unicode folding and UTF-8 checks apply. The decoders without a program
// name are indexed by the first byte their prematch accepts, and a
// matched rule's children whose <decoded_as> names another decoder are
// not visited (unless an Observer watches: it hears every rule tried).
// engine/prefilter_test.go compares every filter with its pattern on the
// stock ruleset.
//
// Active responses are selected as analysisd selects them before
// OS_Exec (the rule's responses whose command gets what it expects and
// whose source IP is not allow-listed); ossec-logtest itself never runs
// any, and a ruleset loaded as ossec-logtest loads it binds none.
package engine
