package events

import (
	"bytes"
	"net/http"
	"strings"
)

// twilioParam returns the index in twilioNames of a parameter name, or
// -1 (a switch: no hashing, no allocation for string(bytes)).
func twilioParam(name string) int {
	switch name {
	case "StatusCallbackEvent":
		return pStatusCallbackEvent
	case "AccountSid":
		return pAccountSid
	case "ConferenceSid":
		return pConferenceSid
	case "FriendlyName":
		return pFriendlyName
	case "CallSid":
		return pCallSid
	case "ParticipantLabel":
		return pParticipantLabel
	case "CallSidEndingConference":
		return pCallSidEndingConference
	case "ParticipantLabelEndingConference":
		return pParticipantLabelEndingConference
	case "Reason":
		return pReason
	case "ReasonConferenceEnded":
		return pReasonConferenceEnded
	case "ReasonParticipantLeft":
		return pReasonParticipantLeft
	case "ReasonAnnouncementFailed":
		return pReasonAnnouncementFailed
	case "Timestamp":
		return pTimestamp
	case "SequenceNumber":
		return pSequenceNumber
	case "Muted":
		return pMuted
	case "Hold":
		return pHold
	case "Coaching":
		return pCoaching
	case "EndConferenceOnExit":
		return pEndConferenceOnExit
	case "StartConferenceOnEnter":
		return pStartConferenceOnEnter
	}
	return -1
}

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
	// One allocation for the raw body and every value the Event keeps.
	var all strings.Builder
	all.Grow(len(body) + len(s.buf))
	all.Write(body)
	all.Write(s.buf)
	raw := all.String()
	vals := raw[len(body):]
	var found twilioParams
	for _, p := range s.pairs {
		if i := twilioParam(string(s.buf[p.k0:p.k1])); i >= 0 {
			found[i] = vals[p.v0:p.v1]
		}
	}
	ev, err = mapTwilioFamily(carrier, provider, types, &found, raw[:len(body)])
	return ev, err, true
}
