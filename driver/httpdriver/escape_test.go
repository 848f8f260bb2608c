package httpdriver_test

import (
	"net/url"
	"testing"

	"github.com/carrierkit/carrierkit/driver/httpdriver"
)

var seeds = []string{"", "CA0123", "v3:abc-DEF_9", "a b", "a/b", "../../x", "..", ".", "...", "who?x=1#f",
	"100%", "%2F", "tab\tnl\n", "ünï", "a+b&c=d;e", "\x00\xff", "@:~._-"}

// A segment must decode to exactly s, and can never split, end the path or
// be a dot segment.
func FuzzAppendPathSegment(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg := string(httpdriver.AppendPathSegment(nil, s))
		for _, c := range []byte(seg) {
			if c == '/' || c == '?' || c == '#' || c <= ' ' || c >= 0x7f {
				t.Fatalf("%q escaped to %q: byte %q left raw", s, seg, c)
			}
		}
		if seg == "." || seg == ".." {
			t.Fatalf("%q escaped to a dot segment", s)
		}
		got, err := url.PathUnescape(seg)
		if err != nil || got != s {
			t.Fatalf("%q escaped to %q, which decodes to %q (%v)", s, seg, got, err)
		}
		u, err := url.Parse("https://h.example/a/" + seg + "/z")
		if err != nil || u.EscapedPath() != "/a/"+seg+"/z" {
			t.Fatalf("%q: URL path not kept as sent: %v %v", s, u, err)
		}
	})
}

// Form values must decode to exactly s, like url.QueryEscape.
func FuzzAppendQueryEscape(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(httpdriver.AppendQueryEscape(nil, s))
		if want := url.QueryEscape(s); got != want {
			t.Fatalf("AppendQueryEscape(%q) = %q, url.QueryEscape = %q", s, got, want)
		}
		v, err := url.ParseQuery("k=" + got)
		if err != nil || v.Get("k") != s {
			t.Fatalf("%q did not round-trip: %q %v", s, v.Get("k"), err)
		}
	})
}
