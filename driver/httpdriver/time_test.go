package httpdriver_test

import (
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/driver/httpdriver"
)

// parseTimeSlow is ParseTime as it was before its fast path: the three
// layouts tried in turn with time.Parse.
func parseTimeSlow(s string) time.Time {
	for _, layout := range [...]string{time.RFC1123Z, time.RFC1123, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// ParseTime must return exactly what time.Parse returns, location
// included, for every input: its fast path may only skip work.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"Fri, 18 Feb 2011 21:07:19 +0000", "Fri, 27 Oct 2023 07:41:58 +0000", "Mon, 29 Feb 2016 23:59:59 -0000",
		"Tue, 29 Feb 2015 10:00:00 +0000", "Wed, 31 Apr 2020 10:00:00 +0000", "Thu, 01 Jan 0000 00:00:00 +0000",
		"Sat, 31 Dec 9999 23:59:59 +2359", "Sun, 05 Jun 2022 12:30:45 -0930", "Sun, 05 Jun 2022 12:30:45 +0530",
		"Sun, 05 Jun 2022 24:00:00 +0000", "Sun, 05 Jun 2022 12:60:00 +0000", "Sun, 05 Jun 2022 12:00:60 +0000",
		"Sun, 00 Jun 2022 12:00:00 +0000", "Sun, 05 Jun 2022 12:00:00 +2400", "Sun, 05 Jun 2022 12:00:00 +0060",
		"fri, 18 feb 2011 21:07:19 +0000", "Fri, 18 Feb 2011 9:07:19 +0000", "Fri, 18 Feb 2011 21:07:19.5 +0000",
		"Fri, 18 Feb 2011 21:07:19 GMT", "Fri, 18 Feb 2011 21:07:19 PST", "2011-02-18T21:07:19Z",
		"2011-02-18T21:07:19.123456789+01:00", "Xyz, 18 Feb 2011 21:07:19 +0000", "Fri, 18 Foo 2011 21:07:19 +0000",
		"Fri, 18 Feb 2011 21:07:19 *0000", "Fri, 1a Feb 2011 21:07:19 +0000", "Fri,  8 Feb 2011 21:07:19 +0000",
		"", "null", "Fri, 18 Feb 2011 21:07:19 +0000 ", "Fri, 18 Feb 2011 21:07:19 +0100",
		"Sat, 18 Jun 2011 21:07:19 +0200", "Sat, 18 Jun 2011 21:07:19 +0100", "Sun, 27 Mar 2011 02:30:00 +0100",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := httpdriver.ParseTime(s), parseTimeSlow(s)
		if !reflect.DeepEqual(got, want) || got.Location().String() != want.Location().String() {
			t.Fatalf("ParseTime(%q) = %v (%v), time.Parse gives %v (%v)", s, got, got.Location(), want, want.Location())
		}
		if got != want && want.Location() == time.Local {
			t.Fatalf("ParseTime(%q) = %#v, time.Parse gives %#v", s, got, want)
		}
	})
}

// The fast path must also pick Local whenever time.Parse does, in a zone
// other than UTC (where Local has other offsets in summer and winter):
// FuzzParseTime's seeds again, in a child process with TZ set (setting
// time.Local here would race with other goroutines reading it).
func TestParseTimeLocal(t *testing.T) {
	if os.Getenv("TZ") == "Europe/Berlin" {
		t.Skip("already the child")
	}
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no time zone database:", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^FuzzParseTime$", "-test.v")
	cmd.Env = append(os.Environ(), "TZ=Europe/Berlin")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "seed#") {
		t.Fatalf("FuzzParseTime under TZ=Europe/Berlin: %v\n%s", err, out)
	}
}
