// Package ruleset loads an OSSEC 4.3.0 configuration (ossec.conf, decoder
// files, rule files, CDB lists, active responses) the way analysisd does and
// compiles it into an immutable Ruleset that the engine walks without
// re-parsing anything. What analysisd rejects, Load rejects with
// file:line:col and a stable Code; what it accepts, Load accepts, with the
// warnings OSSEC would log as diagnostics of severity warning.
package ruleset
