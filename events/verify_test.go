package events_test

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/events"
)

func twilioReq(v hmacVector, header string) *http.Request {
	r := newRequest(v.method, v.path, v.body)
	r.Header.Set(header, v.sig)
	return r
}

func TestTwilioPublicVectorsAccepted(t *testing.T) {
	for _, v := range twilioVectors {
		t.Run(v.name, func(t *testing.T) {
			tw := &events.Twilio{AuthToken: vecToken, URLSource: events.URLSource{PublicURL: v.publicURL}}
			if err := tw.Verify(twilioReq(v, events.HeaderTwilioSignature), []byte(v.body)); err != nil {
				t.Fatalf("vector %s rejected: %v", v.name, err)
			}
			// SignalWire's compat scheme is Twilio's (vector B is T1).
			sw := &events.SignalWire{SigningKey: vecToken, URLSource: events.URLSource{PublicURL: v.publicURL}}
			if err := sw.Verify(twilioReq(v, events.HeaderSignalWireSignature), []byte(v.body)); err != nil {
				t.Fatalf("SignalWire: vector %s rejected: %v", v.name, err)
			}
		})
	}
}

func TestTwilioWrongSortPortAndSwapRejected(t *testing.T) {
	for _, v := range twilioRejected {
		t.Run(v.name, func(t *testing.T) {
			tw := &events.Twilio{AuthToken: vecToken, URLSource: events.URLSource{PublicURL: v.publicURL}}
			err := tw.Verify(twilioReq(v, events.HeaderTwilioSignature), []byte(v.body))
			if !errors.Is(err, events.ErrBadSignature) || !errors.Is(err, events.ErrUnverified) {
				t.Fatalf("%s: got %v, want ErrBadSignature", v.name, err)
			}
		})
	}
}

func TestSignalWirePublicVectorsAccepted(t *testing.T) {
	for _, v := range signalwireVectors {
		t.Run(v.name, func(t *testing.T) {
			sw := &events.SignalWire{SigningKey: swKey, URLSource: events.URLSource{PublicURL: v.publicURL}}
			if err := sw.Verify(twilioReq(v, events.HeaderSignalWireSignature), []byte(v.body)); err != nil {
				t.Fatalf("vector %s rejected: %v", v.name, err)
			}
			// X-Twilio-Signature is read when X-SignalWire-Signature is absent.
			if err := sw.Verify(twilioReq(v, events.HeaderTwilioSignature), []byte(v.body)); err != nil {
				t.Fatalf("vector %s in X-Twilio-Signature rejected: %v", v.name, err)
			}
			// The RELAY scheme is SignalWire's: Twilio's verifier refuses a hex signature.
			tw := &events.Twilio{AuthToken: swKey, URLSource: events.URLSource{PublicURL: v.publicURL}}
			if strings.HasPrefix(v.name, "A") && tw.Verify(twilioReq(v, events.HeaderTwilioSignature), []byte(v.body)) == nil {
				t.Fatal("Twilio accepted SignalWire's RELAY signature")
			}
		})
	}
}

// Every vector with any one byte of its body, path or signature changed
// is rejected.
func TestHMACMutatedCopiesRejected(t *testing.T) {
	type verify func(v hmacVector, r *http.Request) error
	check := func(t *testing.T, v hmacVector, header string, fn verify) {
		t.Helper()
		mutations := 0
		try := func(what string, m hmacVector) {
			mutations++
			r := newRequest(m.method, m.path, m.body)
			r.Header.Set(header, m.sig)
			if err := fn(m, r); err == nil {
				t.Errorf("%s: %s mutated (%q) accepted", v.name, what, m.body)
			} else if !errors.Is(err, events.ErrUnverified) {
				t.Errorf("%s: %s mutated: %v is not ErrUnverified", v.name, what, err)
			}
		}
		for i := range len(v.body) {
			m := v
			b := []byte(v.body)
			b[i] ^= 0x01
			m.body = string(b)
			try("body byte "+strconv.Itoa(i), m)
		}
		for i := 1; i < len(v.path); i++ {
			m := v
			b := []byte(v.path)
			b[i] ^= 0x01
			if strings.ContainsAny(string(b[i]), " #") {
				continue // not a request line httptest can carry
			}
			m.path = string(b)
			try("path byte "+strconv.Itoa(i), m)
		}
		for i := range len(v.sig) {
			m := v
			b := []byte(v.sig)
			b[i] ^= 0x01
			m.sig = string(b)
			try("signature byte "+strconv.Itoa(i), m)
		}
		if mutations == 0 {
			t.Fatal("no mutation tried")
		}
	}
	for _, v := range twilioVectors {
		tw := &events.Twilio{AuthToken: vecToken, URLSource: events.URLSource{PublicURL: v.publicURL}}
		check(t, v, events.HeaderTwilioSignature, func(m hmacVector, r *http.Request) error { return tw.Verify(r, []byte(m.body)) })
	}
	for _, v := range signalwireVectors {
		sw := &events.SignalWire{SigningKey: swKey, URLSource: events.URLSource{PublicURL: v.publicURL}}
		check(t, v, events.HeaderSignalWireSignature, func(m hmacVector, r *http.Request) error { return sw.Verify(r, []byte(m.body)) })
	}
}

func TestTwilioBodyHashChecked(t *testing.T) {
	v := twilioVectors[6] // T5
	tw := &events.Twilio{AuthToken: vecToken, URLSource: events.URLSource{PublicURL: v.publicURL}}
	err := tw.Verify(twilioReq(v, events.HeaderTwilioSignature), []byte(`{"property": "value", "boolean": false}`))
	if !errors.Is(err, events.ErrBodyHash) {
		t.Fatalf("got %v, want ErrBodyHash", err)
	}
}

func TestEmptySecretFailsClosed(t *testing.T) {
	v := twilioVectors[0]
	for _, rcv := range []events.Receiver{
		&events.Twilio{URLSource: events.URLSource{PublicURL: v.publicURL}},
		&events.SignalWire{URLSource: events.URLSource{PublicURL: v.publicURL}},
	} {
		r := twilioReq(v, events.HeaderTwilioSignature)
		r.Header.Set(events.HeaderSignalWireSignature, v.sig)
		// The HMAC of the empty key: what a verifier that used an empty
		// key would accept.
		if err := rcv.Verify(r, []byte(v.body)); !errors.Is(err, events.ErrNoSecret) {
			t.Errorf("%s: got %v, want ErrNoSecret", rcv.Carrier(), err)
		}
	}
	r := newRequest("POST", "/hook", vecTelnyxBody)
	r.Header.Set(events.HeaderTelnyxSignature, vecTelnyxSig)
	r.Header.Set(events.HeaderTelnyxTimestamp, vecTelnyxTS)
	if err := (&events.TeXML{}).Verify(r, []byte(vecTelnyxBody)); !errors.Is(err, events.ErrNoSecret) {
		t.Errorf("texml: got %v, want ErrNoSecret", err)
	}
	for _, b := range []*events.Bandwidth{{}, {Username: "u"}, {Password: "p"}} {
		r := newRequest("POST", "/hook", "{}")
		r.SetBasicAuth(b.Username, b.Password)
		if err := b.Verify(r, nil); !errors.Is(err, events.ErrNoSecret) {
			t.Errorf("bandwidth %+v: got %v, want ErrNoSecret", b, err)
		}
	}
}

func TestTwilioHostNotTrustedByDefault(t *testing.T) {
	v := twilioVectors[0]
	r := twilioReq(v, events.HeaderTwilioSignature)
	r.Host = "mycompany.com"
	r.Header.Set("X-Forwarded-Proto", "https")
	if err := (&events.Twilio{AuthToken: vecToken}).Verify(r, []byte(v.body)); !errors.Is(err, events.ErrNoPublicURL) {
		t.Fatalf("got %v, want ErrNoPublicURL", err)
	}
	trusting := &events.Twilio{AuthToken: vecToken, URLSource: events.URLSource{TrustForwardedHeaders: true}}
	if err := trusting.Verify(r, []byte(v.body)); err != nil {
		t.Fatalf("behind a trusted proxy: %v", err)
	}
	// The nearest proxy's value is the last one.
	r.Header.Set("X-Forwarded-Host", "evil.example, mycompany.com")
	r.Host = "10.0.0.7:8080"
	if err := trusting.Verify(r, []byte(v.body)); err != nil {
		t.Fatalf("X-Forwarded-Host: %v", err)
	}
	r.Header.Set("X-Forwarded-Host", "mycompany.com, evil.example")
	if err := trusting.Verify(r, []byte(v.body)); !errors.Is(err, events.ErrBadSignature) {
		t.Fatalf("a spoofed forwarded host: got %v", err)
	}
}

func TestErrorsNeverEchoSecrets(t *testing.T) {
	v := twilioVectors[0]
	r := twilioReq(v, events.HeaderTwilioSignature)
	r.Header.Set(events.HeaderTwilioSignature, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	tw := &events.Twilio{AuthToken: "secret-token-987", URLSource: events.URLSource{PublicURL: v.publicURL}}
	err := tw.Verify(r, []byte(v.body))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, s := range []string{"secret-token-987", "AAAAAAAAAAAAAAAAAAAAAAAAAAA", "RSOYDt4T1cUTdK1PDd93"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q holds %q", err, s)
		}
	}
	b := &events.Bandwidth{Username: "user-x", Password: "pass-y"}
	r = newRequest("POST", "/hook", "{}")
	r.SetBasicAuth("user-x", "wrong-z")
	err = b.Verify(r, nil)
	if err == nil || strings.Contains(err.Error(), "pass-y") || strings.Contains(err.Error(), "wrong-z") {
		t.Fatalf("bandwidth: %v", err)
	}
}

// clock is an injectable clock for TeXML.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func texmlReq(ts, sig, body string) *http.Request {
	r := newRequest("POST", "/texml", body)
	r.Header.Set(events.HeaderTelnyxSignature, sig)
	r.Header.Set(events.HeaderTelnyxTimestamp, ts)
	return r
}

func TestTeXMLVectorAcceptedOnceThenReplayRejected(t *testing.T) {
	_, pub := rfc8032Key()
	c := &clock{now: time.Unix(1705314600, 0).Add(30 * time.Second)}
	tx := &events.TeXML{PublicKey: pub, Now: c.Now}
	if err := tx.Verify(texmlReq(vecTelnyxTS, vecTelnyxSig, vecTelnyxBody), []byte(vecTelnyxBody)); err != nil {
		t.Fatalf("vector rejected: %v", err)
	}
	c.now = c.now.Add(time.Minute)
	err := tx.Verify(texmlReq(vecTelnyxTS, vecTelnyxSig, vecTelnyxBody), []byte(vecTelnyxBody))
	if !errors.Is(err, events.ErrReplay) {
		t.Fatalf("replay: got %v, want ErrReplay", err)
	}
	// Past the window the replay is stale, not accepted.
	c.now = c.now.Add(10 * time.Minute)
	if err := tx.Verify(texmlReq(vecTelnyxTS, vecTelnyxSig, vecTelnyxBody), []byte(vecTelnyxBody)); !errors.Is(err, events.ErrStale) {
		t.Fatalf("late replay: got %v, want ErrStale", err)
	}
}

func TestTeXMLTolerance(t *testing.T) {
	priv, pub := rfc8032Key()
	at := time.Unix(1705314600, 0)
	for _, tc := range []struct {
		name      string
		offset    time.Duration
		tolerance time.Duration
		ok        bool
	}{
		{"now", 0, 0, true},
		{"4m59s old", -299 * time.Second, 0, true},
		{"5m old", -300 * time.Second, 0, true},
		{"5m1s old", -301 * time.Second, 0, false},
		{"5m1s ahead", 301 * time.Second, 0, false},
		{"4m59s ahead", 299 * time.Second, 0, true},
		{"1m1s old, tolerance 1m", -61 * time.Second, time.Minute, false},
		{"59s old, tolerance 1m", -59 * time.Second, time.Minute, true},
		{"10m old, tolerance 15m", -10 * time.Minute, 15 * time.Minute, true},
		{"a century ahead", 100 * 365 * 24 * time.Hour, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := strconv.FormatInt(at.Add(tc.offset).Unix(), 10)
			tx := &events.TeXML{PublicKey: pub, Tolerance: tc.tolerance, Now: func() time.Time { return at }}
			err := tx.Verify(texmlReq(ts, signTelnyx(priv, ts, vecTelnyxBody), vecTelnyxBody), []byte(vecTelnyxBody))
			if tc.ok && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if !tc.ok && !errors.Is(err, events.ErrStale) {
				t.Fatalf("got %v, want ErrStale", err)
			}
		})
	}
}

func TestTeXMLMutatedCopiesRejected(t *testing.T) {
	_, pub := rfc8032Key()
	now := func() time.Time { return time.Unix(1705314600, 0) }
	try := func(what, ts, sig, body string) {
		tx := &events.TeXML{PublicKey: pub, Now: now}
		if err := tx.Verify(texmlReq(ts, sig, body), []byte(body)); !errors.Is(err, events.ErrUnverified) {
			t.Errorf("%s: got %v", what, err)
		}
	}
	for i := range len(vecTelnyxBody) {
		b := []byte(vecTelnyxBody)
		b[i] ^= 0x01
		try("body byte "+strconv.Itoa(i), vecTelnyxTS, vecTelnyxSig, string(b))
	}
	for i := range len(vecTelnyxSig) {
		b := []byte(vecTelnyxSig)
		b[i] ^= 0x01
		try("signature byte "+strconv.Itoa(i), vecTelnyxTS, string(b), vecTelnyxBody)
	}
	try("timestamp a second later", "1705314601", vecTelnyxSig, vecTelnyxBody)
	try("no signature", vecTelnyxTS, "", vecTelnyxBody)
	try("no timestamp", "", vecTelnyxSig, vecTelnyxBody)
	try("a body that is JSON of the same fields", vecTelnyxTS, vecTelnyxSig, `{"AccountSid":"f5586561-8ff0-4291-a51b-c7dfe4139ff9"}`)
	other, _, _ := ed25519.GenerateKey(nil)
	tx := &events.TeXML{PublicKey: other, Now: now}
	if err := tx.Verify(texmlReq(vecTelnyxTS, vecTelnyxSig, vecTelnyxBody), []byte(vecTelnyxBody)); !errors.Is(err, events.ErrBadSignature) {
		t.Errorf("another account's key: got %v", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	_, pub := rfc8032Key()
	k, err := events.ParsePublicKey("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	if err != nil || !k.Equal(pub) {
		t.Fatalf("got %x, %v", k, err)
	}
	if _, err := events.ParsePublicKey("short"); err == nil {
		t.Fatal("a bad key parsed")
	}
}

func TestBandwidthBasic(t *testing.T) {
	b := &events.Bandwidth{Username: "user", Password: "pass"}
	for _, tc := range []struct {
		user, pass string
		set        bool
		want       error
	}{
		{"user", "pass", true, nil},
		{"user", "pass ", true, events.ErrBadSignature},
		{"user", "pas", true, events.ErrBadSignature},
		{"User", "pass", true, events.ErrBadSignature},
		{"", "", true, events.ErrBadSignature},
		{"", "", false, events.ErrMissingSignature},
	} {
		r := newRequest("POST", "/bw", "{}")
		if tc.set {
			r.SetBasicAuth(tc.user, tc.pass)
		}
		err := b.Verify(r, nil)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%q:%q: got %v, want %v", tc.user, tc.pass, err, tc.want)
		}
	}
}
