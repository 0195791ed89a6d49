// Package valdiff compares the values a test case or a conformance record
// asserts with those an engine gave, and says how they differ: the little
// of github.com/google/go-cmp those need, without go-cmp in the program
// (its package initialisation compiles a Unicode regular expression: a
// millisecond and 210 KB of every logtest run).
//
//	if d := valdiff.Diff(want, got); d != "" {
//		fmt.Printf("mismatch (-want +got):\n%s", d)
//	}
package valdiff

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Equal reports whether a and b are deeply equal, a nil slice or map
// being equal to an empty one (go-cmp's cmpopts.EquateEmpty), at any
// depth. Pointers are equal when what they point to is.
func Equal(a, b any) bool {
	return equal(reflect.ValueOf(a), reflect.ValueOf(b))
}

func equal(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !equal(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	}
	return a.Equal(b)
}

// Diff returns "" when want and got are Equal, else what differs, one
// line per side, want's lines starting with '-' and got's with '+'. Maps
// with string keys are compared key by key: only the keys whose values
// differ are shown, in order, as `"key": value`; structs field by field,
// each field that differs under a line with its name.
func Diff(want, got any) string {
	if Equal(want, got) {
		return ""
	}
	var b strings.Builder
	diff(&b, reflect.ValueOf(want), reflect.ValueOf(got))
	return b.String()
}

func diff(b *strings.Builder, w, g reflect.Value) {
	switch {
	case !w.IsValid() || !g.IsValid() || w.Type() != g.Type():
	case w.Kind() == reflect.Map && w.Type().Key().Kind() == reflect.String:
		mapDiff(b, w, g)
		return
	case w.Kind() == reflect.Struct && exportedDiffer(w, g):
		for i := range w.NumField() {
			if equal(w.Field(i), g.Field(i)) {
				continue
			}
			fmt.Fprintf(b, " \t%s:\n", w.Type().Field(i).Name)
			diff(b, w.Field(i), g.Field(i))
		}
		return
	}
	fmt.Fprintf(b, "-\t%s\n+\t%s\n", show(w), show(g))
}

// exportedDiffer reports whether the structs w and g differ in exported
// fields only (diff shows those one by one).
func exportedDiffer(w, g reflect.Value) bool {
	for i := range w.NumField() {
		if !w.Type().Field(i).IsExported() && !equal(w.Field(i), g.Field(i)) {
			return false
		}
	}
	return true
}

// mapDiff is diff for two maps of the same type with string keys.
func mapDiff(b *strings.Builder, w, g reflect.Value) {
	keys := map[string]reflect.Value{}
	for _, m := range []reflect.Value{w, g} {
		for it := m.MapRange(); it.Next(); {
			keys[it.Key().String()] = it.Key()
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		wv, gv := w.MapIndex(keys[k]), g.MapIndex(keys[k])
		if wv.IsValid() && gv.IsValid() && equal(wv, gv) {
			continue
		}
		if wv.IsValid() {
			fmt.Fprintf(b, "-\t%q: %s,\n", k, show(wv))
		}
		if gv.IsValid() {
			fmt.Fprintf(b, "+\t%q: %s,\n", k, show(gv))
		}
	}
}

// show formats a value as Go source would write it, pointers followed.
func show(v reflect.Value) string {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
		v = v.Elem()
	}
	if !v.IsValid() {
		return "nil"
	}
	return fmt.Sprintf("%#v", v.Interface())
}
