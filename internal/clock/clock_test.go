package clock

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  bool
	}{
		{"", "arrival", false},
		{"arrival", "arrival", false},
		{"log", "log", false},
		{"2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z", false},
		{"2026-11-26T10:00:00+01:00", "2026-11-26T10:00:00+01:00", false},
		{"2026-11-26 10:00", "", true},
		{"wall", "", true},
	} {
		s, err := Parse(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("Parse(%q): error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && s.String() != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, s, tc.want)
		}
	}
}

func TestClock(t *testing.T) {
	wall := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c := New(Spec{Mode: Arrival}, func() time.Time { return wall })
	if got := c.Now(); !got.Equal(wall) {
		t.Fatalf("arrival: %v, want the wall clock %v", got, wall)
	}
	wall = wall.Add(time.Second)
	if got := c.Now(); !got.Equal(wall) {
		t.Fatalf("arrival does not follow the wall clock: %v", got)
	}
	c.Advance(121 * time.Second)
	wall = wall.Add(time.Hour)
	if got, want := c.Now(), time.Date(2026, 12, 6, 12, 2, 2, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("after +121s: %v, want %v (stopped at the wall clock, then advanced)", got, want)
	}
	loc := time.FixedZone("X", 3600)
	c.Set(time.Date(2026, 11, 26, 10, 0, 0, 0, loc))
	c.FollowLog()
	c.Line("no timestamp here")
	if got := c.Now(); got.Hour() != 10 {
		t.Fatalf("a line without a timestamp changed the clock: %v", got)
	}
	c.Line("Nov 28 20:15:01 host sshd[1]: x")
	if got, want := c.Now(), time.Date(2026, 11, 28, 20, 15, 1, 0, loc); !got.Equal(want) || got.Location() != loc {
		t.Fatalf("log: %v, want %v in the clock's zone", got, want)
	}
	c.Line("2026-11-29T01:02:03Z host x")
	if got, want := c.Now(), time.Date(2026, 11, 29, 1, 2, 3, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("log RFC 3339: %v, want %v", got, want)
	}
}
