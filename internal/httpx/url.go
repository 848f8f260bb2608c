package httpx

import (
	"context"
	"net/http"
	"net/url"
)

// newRequest is http.NewRequestWithContext(ctx, method, rawURL, nil) for
// a valid method, with two savings for the URLs adapters build
// (scheme://host[:port]/path with nothing to unescape): the URL is split
// by plainURL instead of url.Parse, and the header map is made for the
// four headers Do sets, instead of growing on the first.
func newRequest(ctx context.Context, method, rawURL string) (*http.Request, error) {
	u, ok := plainURL(rawURL)
	if !ok || !validMethod(method) {
		return http.NewRequestWithContext(ctx, method, rawURL, nil)
	}
	r := http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, 4), Host: u.Host}
	return r.WithContext(ctx), nil // the one copy on the heap, as NewRequestWithContext makes
}

// validMethod reports whether m is one of the methods adapters use (any
// other goes through net/http's own check).
func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// plainURL returns what url.Parse returns for s when s is
// http[s]://host[:port]/path with a host of letters, digits, dots and
// hyphens, a port of digits, and a path of unreserved bytes, '/', ':' and
// '@' only: then there is no user, query, fragment or escape, Path is the
// path as written and RawPath is empty. Any other s reports false, for
// url.Parse to decide.
func plainURL(s string) (*url.URL, bool) {
	var scheme, rest string
	switch {
	case len(s) > len("https://") && s[:len("https://")] == "https://":
		scheme, rest = "https", s[len("https://"):]
	case len(s) > len("http://") && s[:len("http://")] == "http://":
		scheme, rest = "http", s[len("http://"):]
	default:
		return nil, false
	}
	i, colon := 0, -1
	for ; i < len(rest) && rest[i] != '/'; i++ {
		switch c := rest[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-':
			if colon >= 0 {
				return nil, false // the port is digits only
			}
		case '0' <= c && c <= '9':
		case c == ':' && colon < 0 && i > 0:
			colon = i
		default:
			return nil, false
		}
	}
	if i == 0 || i == len(rest) || colon == i-1 {
		return nil, false // no host, no path, or an empty port (which net/http would drop)
	}
	host, path := rest[:i], rest[i:]
	for j := 0; j < len(path); j++ {
		if !pathByte[path[j]] {
			return nil, false
		}
	}
	return &url.URL{Scheme: scheme, Host: host, Path: path}, true
}

// pathByte are the bytes plainURL takes in a path: RFC 3986's unreserved
// bytes, '/', ':' and '@', which url.Parse keeps as they are and would not
// escape.
var pathByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == ':' || c == '@'
	}
	return t
}()
