package events

import (
	"net/http"
	"strings"
)

// twilioParam returns the index in twilioNames of a parameter name, or
// -1: the names of its length (two at most) compared, no hashing.
func twilioParam(name []byte) int {
	if len(name) >= len(twilioByLen) {
		return -1
	}
	for _, i := range twilioByLen[len(name)] {
		if i >= 0 && twilioNames[i] == string(name) {
			return int(i)
		}
	}
	return -1
}

// twilioByLen holds, by length, the indexes in twilioNames of the names
// that long (-1: none). TestTwilioParamCoversNames fails if a third name
// of one length is added.
var twilioByLen = func() (t [33][2]int8) {
	for i := range t {
		t[i] = [2]int8{-1, -1}
	}
	for i, n := range twilioNames {
		if len(n) < len(t) {
			if t[len(n)][0] < 0 {
				t[len(n)][0] = int8(i)
			} else {
				t[len(n)][1] = int8(i)
			}
		}
	}
	return t
}()

// verifyParser is the Handler's path for a Twilio-family form POST: the
// form is unescaped once, for the signature and for the Event. verr is a
// verification failure (nothing parsed), perr a parse error.
type verifyParser interface {
	verifyAndParse(r *http.Request, body []byte) (ev Event, verr, perr error)
}

func (t *Twilio) verifyAndParse(r *http.Request, body []byte) (Event, error, error) {
	return hmacVerifyAndParse(CarrierTwilio, ProviderTwilio, twilioTypes, t.AuthToken, t.URLSource,
		r.Header.Get(HeaderTwilioSignature), HeaderTwilioSignature, false, r, body, t)
}

func (s *SignalWire) verifyAndParse(r *http.Request, body []byte) (Event, error, error) {
	sig, header := s.signature(r)
	return hmacVerifyAndParse(CarrierSignalWire, ProviderSignalWire, signalwireTypes, s.SigningKey, s.URLSource,
		sig, header, true, r, body, s)
}

func hmacVerifyAndParse(carrier, provider string, types map[string]Type, key string, src URLSource, sig, header string,
	relay bool, r *http.Request, body []byte, rcv Receiver) (Event, error, error) {
	var (
		ev   Event
		perr error
		done bool
	)
	verr := verifyHMAC(carrier, key, src, sig, header, relay, r, body, func(s *scratch) {
		ev, perr, done = s.mapForm(carrier, provider, types, body)
	})
	if verr != nil {
		return Event{}, verr, nil
	}
	if !done {
		ev, perr = rcv.Parse(r, body)
	}
	return ev, nil, perr
}

// mapForm maps the verified form in s.buf and s.pairs (sorted by name).
// done is false for a form that repeats a name the Event reads, which
// Parse maps instead (the first value in the body's order is the one
// used).
func (s *scratch) mapForm(carrier, provider string, types map[string]Type, body []byte) (ev Event, err error, done bool) {
	// One allocation holds the raw body, which the Event keeps, and the
	// values it reads that were escaped in the body; the others are read
	// from the body in place.
	var at [len(twilioNames)]int32 // index in s.pairs + 1; 0: absent
	size := len(body)
	for j, p := range s.pairs {
		if i := twilioParam(s.buf[p.k0:p.k1]); i >= 0 {
			if at[i] != 0 {
				return Event{}, nil, false // a repeated name the Event reads
			}
			at[i] = int32(j + 1)
			if p.raw < 0 {
				size += int(p.v1 - p.v0)
			}
		}
	}
	var all strings.Builder
	all.Grow(size)
	all.Write(body)
	for _, j := range at {
		if j > 0 && s.pairs[j-1].raw < 0 {
			p := s.pairs[j-1]
			all.Write(s.buf[p.v0:p.v1])
		}
	}
	raw := all.String()
	var found twilioParams
	escaped := len(body)
	for i, j := range at {
		if j == 0 {
			continue
		}
		p := s.pairs[j-1]
		n := int(p.v1 - p.v0)
		if p.raw >= 0 {
			found[i] = raw[p.raw : int(p.raw)+n]
		} else {
			found[i] = raw[escaped : escaped+n]
			escaped += n
		}
	}
	ev, err = mapTwilioFamily(carrier, provider, types, &found, raw[:len(body)])
	return ev, err, true
}
