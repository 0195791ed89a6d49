package valdiff

import (
	"strings"
	"testing"
)

type pair struct {
	A    string
	list []string
	P    *int
}

func TestEqual(t *testing.T) {
	one, one2, two := 1, 1, 2
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{nil, nil, true},
		{nil, 0, false},
		{"a", "a", true},
		{"a", "b", false},
		{1, int64(1), false}, // types differ
		{[]string(nil), []string{}, true},
		{[]string{"a"}, []string{}, false},
		{[]string{"a", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "b"}, []string{"b", "a"}, false},
		{map[string]string(nil), map[string]string{}, true},
		{map[string]string{"k": "v"}, map[string]string{"k": "v"}, true},
		{map[string]string{"k": "v"}, map[string]string{"k": "w"}, false},
		{map[string]string{"k": ""}, map[string]string{"j": ""}, false},
		{[][2]string{{"a", "b"}}, [][2]string{{"a", "b"}}, true},
		{[][2]string{{"a", "b"}}, [][2]string{{"a", "c"}}, false},
		{&one, &one2, true},
		{&one, &two, false},
		{&one, (*int)(nil), false},
		{(*int)(nil), (*int)(nil), true},
		{pair{A: "x", list: nil}, pair{A: "x", list: []string{}}, true},
		{pair{A: "x", list: []string{"a"}}, pair{A: "x", list: []string{"b"}}, false},
		{pair{P: &one}, pair{P: &one2}, true},
		{[]any{map[string]any{"a": []any{}}}, []any{map[string]any{"a": []any(nil)}}, true},
		{[]any{1.0}, []any{"1"}, false},
	} {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := Diff(c.a, c.b) == ""; got != c.want {
			t.Errorf("Diff(%#v, %#v) = %q", c.a, c.b, Diff(c.a, c.b))
		}
	}
}

type record struct {
	Command  string
	Args     map[string]string
	Location string
}

func TestDiff(t *testing.T) {
	for _, c := range []struct {
		want, got any
		diff      string
	}{
		{map[string]string{"rule": "1", "level": "3", "x": "y"}, map[string]string{"rule": "2", "level": "3", "z": "w"},
			"-\t\"rule\": \"1\",\n+\t\"rule\": \"2\",\n-\t\"x\": \"y\",\n+\t\"z\": \"w\",\n"},
		{map[string]bool{"alert": true}, map[string]bool{"alert": false}, "-\t\"alert\": true,\n+\t\"alert\": false,\n"},
		{"a", "b", "-\t\"a\"\n+\t\"b\"\n"},
		{[]string{"a"}, []string(nil), "-\t[]string{\"a\"}\n+\t[]string(nil)\n"},
		{record{Command: "deny", Args: map[string]string{"srcip": "2", "user": "u"}, Location: "local"},
			record{Command: "deny", Args: map[string]string{"srcip": "1", "user": "u"}, Location: "all"},
			" \tArgs:\n-\t\"srcip\": \"2\",\n+\t\"srcip\": \"1\",\n \tLocation:\n-\t\"local\"\n+\t\"all\"\n"},
	} {
		if got := Diff(c.want, c.got); got != c.diff {
			t.Errorf("Diff(%#v, %#v) =\n%s\nwant\n%s", c.want, c.got, got, c.diff)
		}
	}
	one := 1
	if d := Diff(&one, (*int)(nil)); !strings.HasPrefix(d, "-\t1\n") || !strings.HasSuffix(d, "+\t(*int)(nil)\n") {
		t.Errorf("Diff(&1, nil) = %q", d)
	}
}
