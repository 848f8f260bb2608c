package events

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// Bandwidth receives Bandwidth Voice v2 conference callbacks
// (conferenceEventUrl). Bandwidth signs nothing: it authenticates with the
// HTTP Basic username and password set on <Conference> or the conference,
// which Verify compares in constant time. A Handler answers a request
// without credentials 401 with a Basic challenge, for a sender that only
// authenticates once challenged.
type Bandwidth struct {
	// Username and Password are the callback credentials. Either empty
	// fails closed.
	Username, Password string
}

// Challenge is the WWW-Authenticate a Handler answers a request without
// credentials with.
func (*Bandwidth) Challenge() string { return `Basic realm="carrierkit events"` }

// Verify checks the request's Basic credentials.
func (b *Bandwidth) Verify(r *http.Request, _ []byte) error {
	if b.Username == "" || b.Password == "" {
		return verifyErr(CarrierBandwidth, ErrNoSecret, "")
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return verifyErr(CarrierBandwidth, ErrMissingSignature, "no Basic Authorization header")
	}
	// Hash first so neither the length nor the content of the configured
	// credentials shows in the time taken.
	gotU, wantU := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(b.Username))
	gotP, wantP := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(b.Password))
	if subtle.ConstantTimeCompare(gotU[:], wantU[:])&subtle.ConstantTimeCompare(gotP[:], wantP[:]) != 1 {
		return verifyErr(CarrierBandwidth, ErrBadSignature, "")
	}
	return nil
}

func init() {
	registerReceiver(ReceiverInfo{
		Provider:    ProviderBandwidth,
		Description: "Bandwidth Voice v2 conference callbacks, HTTP Basic (the callback username and password)",
		Secrets: []Secret{{Name: "basic_username", Env: "BANDWIDTH_CALLBACK_USERNAME"},
			{Name: "basic_password", Env: "BANDWIDTH_CALLBACK_PASSWORD"}},
		New: func(s []string, _ URLSource) (Receiver, error) {
			return &Bandwidth{Username: s[0], Password: s[1]}, nil
		},
	}, bandwidthTypes)
}
