package spectest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Rooted returns r with its path cut to the first suffix the spec has an
// operation for, so traffic to a compatible host that serves the API under
// a prefix of its own (http://host/prefix/2010-04-01/…) is checked too. It
// reports false when no suffix routes.
func (v *Validator) Rooted(r vendorfake.Request) (vendorfake.Request, bool) {
	segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	for i := range segs {
		c := r
		c.Path = "/" + strings.Join(segs[i:], "/")
		if _, err := v.input(c); err == nil {
			return c, true
		}
	}
	return r, false
}

// ResponseCheck loads the spec file in dir served at root and returns a
// check of answers against it, for live traffic: each request is first
// Rooted, and one no operation of the spec routes is an error naming it.
func ResponseCheck(dir, file, root string) (func(r vendorfake.Request, status int, header http.Header, body []byte) error, error) {
	v, err := LoadDir(dir, file, root)
	if err != nil {
		return nil, err
	}
	return func(r vendorfake.Request, status int, header http.Header, body []byte) error {
		rooted, ok := v.Rooted(r)
		if !ok {
			return fmt.Errorf("no operation of %s for %s %s", file, r.Method, r.Path)
		}
		return v.ValidateResponse(rooted, status, header, body)
	}, nil
}
