package engine_test

import (
	"slices"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// TestResultFieldsKept: the field lists of results share blocks of
// memory; a result's fields must not change when later events are
// processed or when a caller appends to an earlier result's fields.
func TestResultFieldsKept(t *testing.T) {
	s := engine.New(stock(t), engine.Options{Hostname: "melancia", Now: fixedClock}).NewSession()
	type kept struct{ got, copy []engine.Field }
	var all []kept
	junk := engine.Field{Name: "junk", Value: "junk"}
	for pass := 0; pass < 3; pass++ {
		for _, r := range records(t) {
			res := s.Process(r.Log)
			for _, f := range [][]engine.Field{res.Fields, res.AlertFields} {
				all = append(all, kept{f, slices.Clone(f)})
				_ = append(f, junk)
			}
		}
	}
	for _, k := range all {
		_ = append(k.got, junk)
	}
	fields := 0
	for i, k := range all {
		fields += len(k.got)
		if !slices.Equal(k.got, k.copy) {
			t.Fatalf("field list %d changed after later events or appends: %v, was %v", i, k.got, k.copy)
		}
	}
	if fields == 0 {
		t.Fatal("no fields at all")
	}
}
