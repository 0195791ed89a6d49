//go:build linux && !arverify_mutation

package arverify

import (
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// checkOnEngine feeds each verdict line, as the syslog daemon stores it,
// to the native engine with this repository's decoders and rules, and checks
// the decoder, the fields and the rule.
func checkOnEngine(t *testing.T, checks []engineCheck) {
	src, err := harness.Sources(testenv.StockRulesetIfAny(t), "../..")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := harness.NewNative("manager").Engine(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Kind]struct {
		rule, level int
		action      string
	}{OK: {107001, 1, "ok"}, Changed: {107002, 12, "managed"}, Unmanaged: {107003, 9, "unmanaged"}, Unverified: {107004, 10, "unverified"}}
	for _, c := range checks {
		s := eng.NewSession()
		r := s.Process("Nov 26 10:00:00 web-01 ossec-ar-verify[4242]: " + c.line)
		w := want[c.v.Kind]
		if r.Decoder != "ossec-ar-verify" || r.Rule == nil || r.Rule.ID != w.rule || r.Rule.Level != w.level {
			t.Errorf("%s: %q: decoder %q rule %+v, want ossec-ar-verify %d level %d", c.name, c.line, r.Decoder, r.Rule, w.rule, w.level)
			continue
		}
		if a, _ := r.Field("action"); a != w.action {
			t.Errorf("%s: action %q, want %q", c.name, a, w.action)
		}
		if c.v.Truncated {
			continue
		}
		if p, _ := r.Field("extra_data"); p != EscapePath(c.v.Path) {
			t.Errorf("%s: extra_data %q, want %q", c.name, p, EscapePath(c.v.Path))
		}
		wantStatus := map[Kind]string{Changed: c.v.Manager, Unverified: c.v.Code}[c.v.Kind]
		if st, ok := r.Field("status"); st != wantStatus || ok != (wantStatus != "") {
			t.Errorf("%s: status %q, want %q", c.name, st, wantStatus)
		}
		if id, _ := r.Field("id"); id != c.v.AlertID {
			t.Errorf("%s: id %q, want %q", c.name, id, c.v.AlertID)
		}
	}
}
