package httpx

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// plainURL may only skip work: whenever it takes a URL, url.Parse gives
// the same *url.URL, and newRequest the request NewRequestWithContext
// gives.
func FuzzPlainURL(f *testing.F) {
	for _, s := range []string{
		"http://api.invalid/2010-04-01/Accounts/AC0123/Conferences/CF0123/Participants/CA0123.json",
		"https://api.telnyx.com/v2/texml/Accounts/4e71926f-8f13/Conferences/cd5a/Participants/v3:9X2vxP-aiQ",
		"http://127.0.0.1:43567/x", "http://[::1]:80/x", "http://host:/x", "http://host:80:90/x", "http://:80/x",
		"http://host", "http://host/", "http:///x", "http://host//x", "HTTP://host/x", "https://host/a%2Fb",
		"http://user@host/x", "http://host/x?y=1", "http://host/x#f", "http://host/a b", "http://host/ü",
		"http://h_st/x", "http://host/~a@b:c", "ftp://host/x", "http://host:8a/x", "http://host/x\x7f",
		"http://host/.././x", "http://host/x;y", "http://ho%41st/x", "https:/host/x", "",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := plainURL(s)
		if !ok {
			return
		}
		want, err := url.Parse(s)
		if err != nil {
			t.Fatalf("plainURL(%q) = %#v, url.Parse fails: %v", s, got, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("plainURL(%q) = %#v, url.Parse gives %#v", s, got, want)
		}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
			gr, err := newRequest(ctx, m, s)
			if err != nil {
				t.Fatal(err)
			}
			wr, err := http.NewRequestWithContext(ctx, m, s, nil)
			if err != nil {
				t.Fatalf("newRequest(%q) made a request, NewRequestWithContext fails: %v", s, err)
			}
			if !reflect.DeepEqual(gr, wr) {
				t.Fatalf("newRequest(%s %q) = %#v, NewRequestWithContext gives %#v", m, s, gr, wr)
			}
		}
	})
}

// The URLs the adapters build take the fast path.
func TestPlainURLTakesAdapterURLs(t *testing.T) {
	for _, s := range []string{
		"https://api.twilio.com/2010-04-01/Accounts/AC0123/Conferences/CF0123/Participants/CA0123.json",
		"https://api.telnyx.com/v2/texml/Accounts/4e71926f-8f13/Conferences/cd5a/Participants/v3:9X2vxP-aiQ",
		"http://127.0.0.1:43567/2010-04-01/Accounts/AC0123/Conferences/CF0123/Participants/Agent~1.json",
	} {
		if _, ok := plainURL(s); !ok {
			t.Errorf("plainURL(%q) left it to url.Parse", s)
		}
	}
	for _, s := range []string{"http://host/a%2Fb", "http://host/x?y=1", "http://[::1]/x", "http://host:/x"} {
		if _, ok := plainURL(s); ok {
			t.Errorf("plainURL(%q) took it", s)
		}
	}
}
