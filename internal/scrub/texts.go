package scrub

import (
	"encoding/json"
	"fmt"
)

// Texts returns every way err can be shown: Error(), the %v, %+v, %#v, %s
// and %q forms and its JSON, for err and for every error in its unwrap
// chain (both Unwrap shapes). Tests look for secrets in them.
func Texts(err error) []string {
	var texts []string
	var walk func(e error, depth int)
	walk = func(e error, depth int) {
		if e == nil || depth > 16 {
			return
		}
		texts = append(texts, e.Error(), fmt.Sprintf("%v|%+v|%#v|%s|%q", e, e, e, e, e))
		if b, err := json.Marshal(e); err == nil {
			texts = append(texts, string(b))
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, w := range u.Unwrap() {
				walk(w, depth+1)
			}
		}
	}
	walk(err, 0)
	return texts
}
