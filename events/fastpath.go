package events

import (
	"bytes"
	"net/http"
)

// twilioNames are the parameters mapTwilioFamily reads.
var twilioNames = [...]string{"StatusCallbackEvent", "AccountSid", "ConferenceSid", "FriendlyName", "CallSid",
	"ParticipantLabel", "CallSidEndingConference", "ParticipantLabelEndingConference", "Reason",
	"ReasonConferenceEnded", "ReasonParticipantLeft", "ReasonAnnouncementFailed", "Timestamp", "SequenceNumber",
	"Muted", "Hold", "Coaching", "EndConferenceOnExit", "StartConferenceOnEnter"}

var twilioNameIndex = func() map[string]int {
	m := make(map[string]int, len(twilioNames))
	for i, n := range twilioNames {
		m[n] = i
	}
	return m
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
// done is false for a form with a repeated name, which Parse maps
// instead (the first value in the body's order is the one used).
func (s *scratch) mapForm(carrier, provider string, types map[string]Type, body []byte) (ev Event, err error, done bool) {
	for i := 1; i < len(s.pairs); i++ {
		a, b := s.pairs[i-1], s.pairs[i]
		if bytes.Equal(s.buf[a.k0:a.k1], s.buf[b.k0:b.k1]) {
			return Event{}, nil, false
		}
	}
	vals := string(s.buf) // one allocation for every value the Event keeps
	var found [len(twilioNames)]string
	for _, p := range s.pairs {
		if i, ok := twilioNameIndex[string(s.buf[p.k0:p.k1])]; ok {
			found[i] = vals[p.v0:p.v1]
		}
	}
	get := func(name string) string {
		i, ok := twilioNameIndex[name]
		if !ok {
			panic("events: twilioNames lacks " + name) // TestTwilioNamesCoverMapping
		}
		return found[i]
	}
	ev, err = mapTwilioFamily(carrier, provider, types, get, bytes.Clone(body))
	return ev, err, true
}
