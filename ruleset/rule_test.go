package ruleset

import (
	"reflect"
	"strings"
	"testing"
)

// TestRuleSettingsOfRareRules: a rule with none of the settings of
// FieldConditions or RuleExtras points to neither, and every method that
// reads them gives the zero value on it (no nil pointer); a rule with one
// of them reads it back and points to only the struct that holds it.
func TestRuleSettingsOfRareRules(t *testing.T) {
	rs := mustLoadRules(t, `<group name="g,">
  <rule id="10" level="3"><if_sid>1</if_sid><pcre2>a</pcre2><description>plain</description></rule>
  <rule id="11" level="3"><if_sid>1</if_sid><url_pcre2>^/x</url_pcre2></rule>
  <rule id="12" level="3" ignore="60"><if_sid>1</if_sid><info>more</info></rule>
</group>`)
	plain, url, extra := rs.ByID[10], rs.ByID[11], rs.ByID[12]
	if plain.conds != nil || plain.extras != nil {
		t.Errorf("rule 10 has no rare setting but points to %+v, %+v", plain.conds, plain.extras)
	}
	v := reflect.ValueOf(plain)
	for i := 0; i < v.NumMethod(); i++ {
		m := v.Type().Method(i)
		if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || strings.HasPrefix(m.Name, "Edit") {
			continue
		}
		if got := v.Method(i).Call(nil)[0]; !got.IsZero() {
			t.Errorf("rule 10: %s() = %v, want the zero value", m.Name, got)
		}
	}
	if url.URLPCRE2() == nil || url.URLPCRE2().String() != "^/x" || url.extras != nil {
		t.Errorf("rule 11: url_pcre2 %v, extras %+v", url.URLPCRE2(), url.extras)
	}
	if extra.IgnoreTime() != 60 || extra.Info() != "more" || extra.conds != nil {
		t.Errorf("rule 12: ignore %d info %q, conditions %+v", extra.IgnoreTime(), extra.Info(), extra.conds)
	}
	checkNoSettings(t)
}

// checkNoSettings fails t when something wrote to noConds or noExtras,
// which every rule without rare settings reads.
func checkNoSettings(t *testing.T) {
	t.Helper()
	if !reflect.ValueOf(noConds).IsZero() || !reflect.ValueOf(noExtras).IsZero() {
		t.Errorf("the settings of rules without any were written: %+v, %+v", noConds, noExtras)
	}
}

// TestKeptSeesEveryField: kept, which decides whether a rule keeps its
// FieldConditions or RuleExtras, sees each of their fields (a field it
// missed would be dropped when it is a rule's only rare setting).
func TestKeptSeesEveryField(t *testing.T) {
	check := func(v reflect.Value, none func() bool) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.Pointer:
				f.Set(reflect.New(f.Type().Elem()))
			case reflect.Slice:
				f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			case reflect.String:
				f.SetString("x")
			case reflect.Bool:
				f.SetBool(true)
			case reflect.Int, reflect.Uint16:
				if f.CanInt() {
					f.SetInt(1)
				} else {
					f.SetUint(1)
				}
			case reflect.Struct:
				f.Field(1).SetInt(1) // Pos.Line
			default:
				t.Fatalf("%s.%s: kind %s not covered by this test", v.Type(), v.Type().Field(i).Name, f.Kind())
			}
			if none() {
				t.Errorf("%s.%s set, but kept drops it", v.Type(), v.Type().Field(i).Name)
			}
			f.SetZero()
			if !none() {
				t.Errorf("%s.%s zero again, but kept keeps it", v.Type(), v.Type().Field(i).Name)
			}
		}
	}
	var c FieldConditions
	check(reflect.ValueOf(&c).Elem(), func() bool { return kept(&c) == nil })
	var x RuleExtras
	check(reflect.ValueOf(&x).Elem(), func() bool { return kept(&x) == nil })
}
