// Package ruleset loads an OSSEC 4.3.0 configuration the way analysisd
// (and ossec-logtest) does and compiles it into an immutable Ruleset that
// the engine walks without parsing anything again.
//
// Load reads, in analysisd's order: ossec.conf (the <global>, <alerts>,
// <rules> sections, and <command>/<active-response> when asked), the
// analysisd values of internal_options.conf, the decoder files
// (etc/decoder.xml and etc/local_decoder.xml unless ossec.conf names
// decoder files), the CDB lists, then the rule files in order, attaching
// each rule below its parents exactly as rules_list.c does. Files are read
// with package ossecxml, which accepts what OSSEC's own XML reader accepts.
//
// What OSSEC refuses to start with, Load refuses: the error is an *Error
// whose Diagnostics say file:line:col, what is wrong, and a stable Code
// that tests compare. OSSEC stops at its first error; Load goes on and
// reports every error it finds, sorted by position, leaving out those that
// only follow from an earlier one (see Error). What OSSEC accepts with a logged complaint (a value
// too long that it drops, a rule it silently does not attach) Load accepts
// with a Diagnostic of severity warning in Ruleset.Warnings. Inputs on
// which OSSEC 4.3.0 hangs or crashes (an <info> type it loops on, a
// <field> without name) are errors.
//
// A typical use loads a stock installation with a repository's files on
// top:
//
//	rs, err := ruleset.Load(ruleset.Sources{
//		Base:  "/var/ossec",
//		Rules: []string{"rules/local_rules.xml"},
//	})
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // one "file:line:col: message [code]" per line
//	}
//
// The Ruleset mirrors OSSEC's structures: Rule is RuleInfo, RuleNode is
// RuleNode (a rule attached below several parents has several nodes),
// Decoder is OSDecoderInfo with its children, with OSSEC's bit values for
// alert, context and FTS options. Correlation state is not in it: the
// engine keeps it per Rule.Index.
//
// Load reads the files and compiles their patterns on all CPUs before its
// sequential pass (which finds them ready and still reports every error in
// OSSEC's order), and runs with GOGC at 400, restored when it returns: a
// load makes a few times more garbage than it keeps, and collecting it
// during the load costs more than the memory it saves. BenchmarkLoadStock
// measures it.
package ruleset
