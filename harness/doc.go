// Package harness runs OSSEC rule test cases: txtar files executed by
// testscript, with commands that feed events to an analysis engine and
// assert on what it decided.
//
// A case feeds log lines or file-integrity events and then asserts on the
// last event:
//
//	logtest 'Sep 15 00:26:10 ether ossec-ar-verify: file ok (/etc/cron.d/puppet-job)'
//	decoded ossec-ar-verify action=ok extra_data=/etc/cron.d/puppet-job
//	rule 107001 level=1 !mail group=verify
//	alert
//
//	[!base] skip 'needs the stock ruleset: set OSSEC_RULESET or --base'
//	syscheck changed /etc/hosts
//	rule 106002 level=1 !mail
//	ar ossec-ar-verify-file filename=/etc/hosts
//
// The ruleset of a case is a base OSSEC installation (Config.Base), the
// rules repository's ossec.conf, decoders/ and rules/ (Config.Repo), and the
// files of the case's own archive (ossec.conf, decoders/*.xml, rules/*.xml,
// lists/*), in that order (Sources). Each case gets one engine session, so
// correlation state lives as long as the case. Without a base, Load stands
// in category roots for the stock rules_config.xml and leaves out rule
// files that need stock rules.
//
// An active response's own output is asserted with produced: on the native
// engine the harness runs the response's program (from Config.ARBin) as
// ossec-execd would, in the case's OSSEC directory ossec/, and analyses
// what it logs there (see ResponseDir):
//
//	syscheck changed /etc/mcollective/facts.yaml agent=
//	ar ossec-ar-verify-file filename=/etc/mcollective/facts.yaml
//	produced
//	rule 107002 level=12 mail group=verify
//
// Engines plug in through Backend; Native runs the pure-Go engine and caches
// the rulesets it loads. Other packages (the real ossec-logtest, containers)
// implement Backend too.
//
// A rules repository tests itself with `go test` through Test:
//
//	func TestCases(t *testing.T) { harness.Test(t, "cases") }
//
// (see examples/rulesrepo); Config.Test does the same with another engine
// or base, Config.Params gives the bare testscript parameters, and RunFiles
// runs cases outside `go test` (the run command).
package harness
