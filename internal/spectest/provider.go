package spectest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Spec names a vendor's spec file and the API root it declares.
type Spec struct {
	File, Root string
}

// specs are the published specs by adapter name; an adapter with no entry
// has no spec to check against.
var specs = map[string]Spec{
	"twilio": {TwilioSpec, TwilioRoot},
	"texml":  {TelnyxSpec, TelnyxRoot},
}

var specsMu sync.Mutex

// Register names the published spec of the adapter named provider, from
// the carrier's own folder (its fake's init), so a new carrier touches no
// list here. It panics on a provider registered twice.
func Register(provider string, s Spec) {
	specsMu.Lock()
	defer specsMu.Unlock()
	if _, dup := specs[provider]; dup {
		panic("spectest: spec of " + provider + " registered twice")
	}
	specs[provider] = s
}

// ForProvider returns the spec of the adapter named provider.
func ForProvider(provider string) (Spec, bool) {
	specsMu.Lock()
	defer specsMu.Unlock()
	s, ok := specs[provider]
	return s, ok
}

// FileSHA256 returns the hex SHA-256 of the spec file in dir.
func FileSHA256(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

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
