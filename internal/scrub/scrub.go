// Package scrub removes credentials from text an adapter did not write: a
// carrier's error body, a proxy's reflected header, a transport error. One
// Scrubber, built once per adapter from every form a secret can take on the
// wire or in a message, is applied wherever such text can escape.
package scrub

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Redacted replaces every form of a secret.
const Redacted = "[redacted]"

// Secret is a credential and, for HTTP Basic, the user it goes with.
type Secret struct {
	User  string // the Basic user name, or ""
	Value string
}

// FromAuthorization returns the credential an Authorization header value
// carries: for Basic, the password with its user (the header's token is
// then among its Forms); otherwise the token after the scheme, or the whole
// value when it has no scheme. ok is false for an empty value.
func FromAuthorization(value string) (s Secret, ok bool) {
	if value == "" {
		return Secret{}, false
	}
	scheme, token, found := strings.Cut(value, " ")
	if !found {
		return Secret{Value: value}, true
	}
	if strings.EqualFold(scheme, "Basic") {
		if dec, err := base64.StdEncoding.DecodeString(token); err == nil {
			if user, pass, ok := strings.Cut(string(dec), ":"); ok && pass != "" {
				return Secret{User: user, Value: pass}, true
			}
		}
	}
	return Secret{Value: token}, token != ""
}

// Scrubber replaces every known encoding of its secrets with Redacted. The
// zero value and a nil *Scrubber scrub nothing. Safe for concurrent use.
type Scrubber struct {
	r   *strings.Replacer // forms longest first, so a longer form wins over its own prefix
	jwt bool              // also redact every JSON Web Token (WithJWTs)
}

// jwtPattern matches a compact JWT: a JSON header ({" is eyJ in base64url),
// a payload and a signature.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

// WithJWTs returns a copy of sc that also redacts every JSON Web Token,
// for an adapter that signs a new token per request (Vonage): no list of
// secrets can name those in advance.
func (sc *Scrubber) WithJWTs() *Scrubber {
	c := *sc
	c.jwt = true
	return &c
}

// New returns a Scrubber for secrets; empty values are ignored.
func New(secrets ...Secret) *Scrubber {
	var forms []string
	for _, s := range secrets {
		if s.Value != "" {
			forms = append(forms, Forms(s)...)
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return &Scrubber{r: strings.NewReplacer(pairs...)}
}

// Forms returns the forms s can take in text a carrier or proxy sends
// back: raw; base64 (standard and URL alphabets, padded or not) of the
// secret and of "user:secret" (the Basic token), also query-escaped; URL
// query and path escaped;
// JSON-escaped (with and without HTML escaping); Go-quoted (%q, as
// net/http quotes a malformed header line). A JSON string can spell any
// character as \uXXXX, which no finite list covers: decode first, then
// scrub the decoded strings (Value).
func Forms(s Secret) []string {
	v := s.Value
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v), quoted(strconv.Quote(v)),
		quoted(strconv.QuoteToASCII(v)), jsonEscape(v, true), jsonEscape(v, false)}
	raw := []string{v}
	if s.User != "" {
		raw = append(raw, s.User+":"+v)
	}
	for _, r := range raw {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding,
			base64.URLEncoding, base64.RawURLEncoding} {
			b := enc.EncodeToString([]byte(r))
			forms = append(forms, b, url.QueryEscape(b)) // '+', '/' and '=' escaped, as in a query
		}
	}
	return slices.DeleteFunc(forms, func(f string) bool { return f == "" })
}

func quoted(q string) string { return q[1 : len(q)-1] }

func jsonEscape(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	return quoted(strings.TrimSuffix(b.String(), "\n"))
}

// String returns s with every form of every secret replaced.
func (sc *Scrubber) String(s string) string {
	if sc == nil {
		return s
	}
	if sc.r != nil {
		s = sc.r.Replace(s)
	}
	if sc.jwt {
		s = jwtPattern.ReplaceAllString(s, Redacted)
	}
	return s
}

// Bytes returns b with every form of every secret replaced, in one pass
// like String (replacing form after form would scrub inside an earlier
// Redacted); b is not modified.
func (sc *Scrubber) Bytes(b []byte) []byte {
	if sc == nil || sc.r == nil && !sc.jwt {
		return b
	}
	s := string(b)
	if r := sc.String(s); r != s {
		return []byte(r)
	}
	return b
}

// Value scrubs, in place, every settable string reachable from v through
// pointers, interfaces, structs, slices, arrays and maps: a decoded vendor
// error, whose strings JSON may have spelled with \u escapes.
func (sc *Scrubber) Value(v any) {
	if sc == nil || v == nil {
		return
	}
	sc.value(reflect.ValueOf(v), 0)
}

func (sc *Scrubber) value(v reflect.Value, depth int) {
	if depth > 32 { // decoded JSON is a tree; this only guards a cycle
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if e := v.Elem(); e.Kind() == reflect.String && v.CanSet() {
			v.Set(reflect.ValueOf(sc.String(e.String())).Convert(e.Type()))
		} else if !v.IsNil() {
			sc.value(e, depth+1)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			sc.value(v.Elem(), depth+1)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(sc.String(v.String()))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				sc.value(v.Field(i), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			sc.value(v.Index(i), depth+1)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			cp := reflect.New(v.Type().Elem()).Elem() // map values are not addressable
			cp.Set(v.MapIndex(k))
			sc.value(cp, depth+1)
			v.SetMapIndex(k, cp)
		}
	}
}
