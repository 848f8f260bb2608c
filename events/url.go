package events

import (
	"net/http"
	"strings"
)

// URLSource says how a Twilio or SignalWire receiver learns the URL the
// carrier requested, which is what the carrier signed. Behind a proxy or
// tunnel the request's own scheme and Host are not that URL, and the Host
// header is chosen by whoever sends the request, so neither is used unless
// the app opts in.
type URLSource struct {
	// PublicURL is the scheme, host, optional port and optional path
	// prefix the carrier was given, e.g. https://hooks.example.com or
	// https://example.com/telephony when a proxy strips /telephony. The
	// signed URL is PublicURL followed by the request's path and query as
	// received.
	PublicURL string
	// TrustForwardedHeaders takes the scheme and host from the last
	// X-Forwarded-Proto and X-Forwarded-Host values (the ones the nearest
	// proxy set), else from the connection and the Host header. Set it
	// only when every request reaches the app through a proxy that sets
	// these headers. PublicURL wins when both are set.
	TrustForwardedHeaders bool
}

// URL returns the URL the carrier requested, or ErrNoPublicURL.
func (s URLSource) URL(r *http.Request) (string, error) {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/") + uri, nil
	}
	if !s.TrustForwardedHeaders {
		return "", ErrNoPublicURL
	}
	scheme := lastValue(r.Header.Get("X-Forwarded-Proto"))
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := lastValue(r.Header.Get("X-Forwarded-Host"))
	if host == "" {
		host = r.Host
	}
	if host == "" || strings.ContainsAny(host, "/?#@ ") || (scheme != "http" && scheme != "https") {
		return "", ErrNoPublicURL
	}
	return scheme + "://" + host + uri, nil
}

// lastValue is the last comma-separated value of a header, trimmed.
func lastValue(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// signedURL is a URL split around its port, so both of the variants the
// Twilio SDKs try can be written without building them: the URL with the
// scheme's default port added when it has none, and with any port removed
// ("sig generation on back-end is inconsistent", twilio-go).
type signedURL struct {
	head, port, tail string // head: scheme://[userinfo@]host; port: ":1234" or ""
	defaultPort      string // ":443" or ":80" for https and http
}

func splitURL(u string) signedURL {
	i := strings.Index(u, "://")
	if i < 0 {
		return signedURL{head: u}
	}
	rest := u[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	s := signedURL{head: u[:i+3+end], tail: rest[end:]}
	switch strings.ToLower(u[:i]) {
	case "https":
		s.defaultPort = ":443"
	case "http":
		s.defaultPort = ":80"
	}
	hostport := authority[strings.LastIndexByte(authority, '@')+1:]
	if c := strings.LastIndexByte(hostport, ':'); c >= 0 && digits(hostport[c+1:]) {
		cut := len(s.head) - (len(hostport) - c)
		s.head, s.port = s.head[:cut], s.head[cut:]
	}
	return s
}

// variants returns the ports to sign with: the URL as received first (the
// common case: one HMAC), then the other variant (the default port added
// when it had none, any port removed when it had one). two is false when
// the scheme has no default port and the URL none.
func (s signedURL) variants() (first, second string, two bool) {
	if s.port != "" {
		return s.port, "", true
	}
	return "", s.defaultPort, s.defaultPort != ""
}

// digits reports whether s is a port: one or more ASCII digits. Anything
// else after a colon (an IPv6 literal's tail, garbage) is not stripped.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
