package emulator

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/internal/webhooksign"
)

// WebhookStyle is how a carrier posts and signs its conference callbacks
// (shared/specs/events.md): its event names, fields and signature. A
// carrier's registration picks one with TwilioWebhooks,
// SignalWireWebhooks, TeXMLWebhooks or BandwidthWebhooks.
type WebhookStyle struct {
	// Keys are what an app needs to verify the callbacks, by name (the
	// emulator's own, printed by carrierctl emulate).
	Keys map[string]string

	bandwidth bool
	header    string // Twilio-family signature header; "" for TeXML (Ed25519)
	hmacKey   string
	edKey     ed25519.PrivateKey
	user      string
	pass      string
	seqFrom   int  // the first SequenceNumber; -1: none
	rfc3339   bool // Timestamp in RFC 3339 (TeXML), else RFC 2822
	labels    bool // ParticipantLabel
	coaching  bool // Coaching
	flags     bool // Muted, Hold, EndConferenceOnExit, StartConferenceOnEnter
	reasons   bool // ReasonConferenceEnded, ReasonParticipantLeft, Reason
	mute      bool // participant-mute/unmute and -hold/-unhold
	modify    bool // participant-modify
	announce  bool // announcement-end
	// defaultEvents is the subscription of an API create that names none.
	defaultEvents []string
}

// Webhook key names in WebhookStyle.Keys.
const (
	KeyAuthToken        = "auth_token"         // Twilio: X-Twilio-Signature
	KeySigningKey       = "signing_key"        // SignalWire: X-SignalWire-Signature
	KeyEd25519PublicKey = "ed25519_public_key" // Telnyx: base64, telnyx-signature-ed25519
	KeyBasicUsername    = "basic_username"     // Bandwidth: HTTP Basic
	KeyBasicPassword    = "basic_password"
)

// TwilioWebhooks: X-Twilio-Signature with the auth token; every
// conference event Twilio sends but speech (the fake has no audio).
func TwilioWebhooks(authToken string) *WebhookStyle {
	return &WebhookStyle{Keys: map[string]string{KeyAuthToken: authToken}, header: "X-Twilio-Signature", hmacKey: authToken,
		seqFrom: 1, labels: true, coaching: true, flags: true, reasons: true, mute: true, modify: true, announce: true,
		defaultEvents: []string{"start", "end"}}
}

// SignalWireWebhooks: X-SignalWire-Signature with the project's signing
// key; start, end, join, leave, mute and hold; no SequenceNumber, Coaching,
// ParticipantLabel or Reason fields (SW-DOC).
func SignalWireWebhooks(signingKey string) *WebhookStyle {
	return &WebhookStyle{Keys: map[string]string{KeySigningKey: signingKey}, header: "X-SignalWire-Signature", hmacKey: signingKey,
		seqFrom: -1, flags: true, mute: true, defaultEvents: []string{"start", "end"}}
}

// TeXMLWebhooks: Ed25519 (telnyx-signature-ed25519 over timestamp|body)
// with the key of seed (32 bytes); start, end, join and leave only, as
// ConferenceStatusCallbackEvent offers; RFC 3339 timestamps, SequenceNumber
// from 0.
func TeXMLWebhooks(seed []byte) *WebhookStyle {
	k := ed25519.NewKeyFromSeed(seed)
	return &WebhookStyle{Keys: map[string]string{KeyEd25519PublicKey: base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))},
		edKey: k, seqFrom: 0, rfc3339: true, labels: true, defaultEvents: []string{}}
}

// BandwidthWebhooks: JSON conferenceCreated, conferenceMemberJoin,
// conferenceMemberExit and conferenceCompleted with HTTP Basic
// credentials (sent at once, not after a challenge). Bandwidth sends no
// mute or hold event.
func BandwidthWebhooks(username, password string) *WebhookStyle {
	return &WebhookStyle{Keys: map[string]string{KeyBasicUsername: username, KeyBasicPassword: password},
		bandwidth: true, user: username, pass: password, seqFrom: -1}
}

// TeXMLSeed derives a 32-byte Ed25519 seed from a phrase, for a fixed demo key.
func TeXMLSeed(phrase string) []byte {
	s := sha256.Sum256([]byte(phrase))
	return s[:]
}

// callback is one event to post, before it is encoded.
type callback struct {
	event string
	p     vendorfake.Participant // the participant, for participant events
	part  bool
	extra [][2]string
}

// callbacks returns the events the carrier posts for ch, in order.
func (st *WebhookStyle) callbacks(ch vendorfake.Change, started bool) (out []callback, start, end bool) {
	b := func(twilio, bw string) string {
		if st.bandwidth {
			return bw
		}
		return twilio
	}
	switch ch.Kind {
	case vendorfake.Joined:
		if st.bandwidth && !started {
			out = append(out, callback{event: "conferenceCreated"})
			start = true
		}
		out = append(out, callback{event: b("participant-join", "conferenceMemberJoin"), p: ch.After, part: true})
		// Twilio: the conference starts once two are in and one has
		// startConferenceOnEnter (the demo's all have).
		if !st.bandwidth && !started && ch.Remaining >= 2 {
			out = append(out, callback{event: "conference-start"})
			start = true
		}
	case vendorfake.Left:
		cb := callback{event: b("participant-leave", "conferenceMemberExit"), p: ch.Before, part: true}
		if st.reasons {
			cb.extra = [][2]string{{"ReasonParticipantLeft", "participant_updated_via_api"}, {"ParticipantCallStatus", "completed"}}
		}
		out = append(out, cb)
		if ch.Remaining == 0 {
			end := callback{event: b("conference-end", "conferenceCompleted")}
			if st.reasons {
				end.extra = [][2]string{{"ReasonConferenceEnded", "last-participant-left"},
					{"Reason", "Last participant left the conference"}, {"CallSidEndingConference", ch.Before.CallID}}
				if ch.Before.Label != "" {
					end.extra = append(end.extra, [2]string{"ParticipantLabelEndingConference", ch.Before.Label})
				}
			}
			out = append(out, end)
		}
		return out, false, ch.Remaining == 0
	case vendorfake.Updated:
		before, after := ch.Before, ch.After
		if st.mute && before.Muted != after.Muted {
			out = append(out, callback{event: map[bool]string{true: "participant-mute", false: "participant-unmute"}[after.Muted], p: after, part: true})
		}
		if st.mute && before.Hold != after.Hold {
			out = append(out, callback{event: map[bool]string{true: "participant-hold", false: "participant-unhold"}[after.Hold], p: after, part: true})
		}
		if st.modify && (before.BeepOnExit != after.BeepOnExit || before.EndConferenceOnExit != after.EndConferenceOnExit ||
			before.Coaching != after.Coaching || before.WaitURL != after.WaitURL) {
			out = append(out, callback{event: "participant-modify", p: after, part: true})
		}
		if st.announce && ch.Announced {
			out = append(out, callback{event: "announcement-end", p: after, part: true,
				extra: [][2]string{{"AnnounceUrl", after.AnnounceURL}}})
		}
	}
	return out, start, false
}

// encode renders cb as the carrier's body (or query, for GET) and signs
// req, which targets callbackURL.
func (st *WebhookStyle) encode(cb callback, conference, account string, seq int, at time.Time, method, callbackURL string) (*http.Request, error) {
	if st.bandwidth {
		return st.encodeBandwidth(cb, conference, at, method, callbackURL)
	}
	form := url.Values{}
	form.Set("AccountSid", account)
	form.Set("ConferenceSid", conference)
	form.Set("FriendlyName", conference)
	form.Set("StatusCallbackEvent", cb.event)
	if st.rfc3339 {
		form.Set("Timestamp", at.UTC().Format(time.RFC3339))
	} else {
		form.Set("Timestamp", at.UTC().Format("Mon, 2 Jan 2006 15:04:05 -0700"))
	}
	if seq >= 0 {
		form.Set("SequenceNumber", strconv.Itoa(seq))
	}
	if cb.part {
		form.Set("CallSid", cb.p.CallID)
		if st.labels && cb.p.Label != "" {
			form.Set("ParticipantLabel", cb.p.Label)
		}
		if st.flags {
			form.Set("Muted", strconv.FormatBool(cb.p.Muted))
			form.Set("Hold", strconv.FormatBool(cb.p.Hold))
			form.Set("EndConferenceOnExit", strconv.FormatBool(cb.p.EndConferenceOnExit))
			form.Set("StartConferenceOnEnter", strconv.FormatBool(cb.p.StartConferenceOnEnter))
		}
		if st.coaching {
			form.Set("Coaching", strconv.FormatBool(cb.p.Coaching))
		}
	}
	for _, kv := range cb.extra {
		if kv[1] != "" {
			form.Set(kv[0], kv[1])
		}
	}
	var req *http.Request
	var err error
	target := callbackURL
	var body []byte
	if method == http.MethodGet {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + form.Encode()
		req, err = http.NewRequest(http.MethodGet, target, nil)
	} else {
		body = []byte(form.Encode())
		req, err = http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case st.edKey != nil:
		sig, ts := webhooksign.Telnyx(st.edKey, at, body)
		req.Header.Set("Telnyx-Signature-Ed25519", sig)
		req.Header.Set("Telnyx-Timestamp", ts)
	case method == http.MethodGet:
		req.Header.Set(st.header, webhooksign.Twilio(st.hmacKey, target, nil))
	default:
		req.Header.Set(st.header, webhooksign.Twilio(st.hmacKey, target, form))
	}
	return req, nil
}

func (st *WebhookStyle) encodeBandwidth(cb callback, conference string, at time.Time, method, callbackURL string) (*http.Request, error) {
	fields := [][2]string{{"eventType", cb.event}, {"eventTime", at.UTC().Format("2006-01-02T15:04:05.000Z")},
		{"conferenceId", conference}, {"name", conference}}
	if cb.part {
		fields = append(fields, [2]string{"callId", cb.p.CallID})
	}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		q := url.Values{}
		for _, f := range fields {
			q.Set(f[0], f[1])
		}
		sep := "?"
		if strings.Contains(callbackURL, "?") {
			sep = "&"
		}
		req, err = http.NewRequest(http.MethodGet, callbackURL+sep+q.Encode(), nil)
	} else {
		obj := make(map[string]string, len(fields))
		for _, f := range fields {
			obj[f[0]] = f[1]
		}
		body, _ := json.Marshal(obj)
		req, err = http.NewRequest(http.MethodPost, callbackURL, bytes.NewReader(body))
		if req != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(st.user, st.pass)
	return req, nil
}
