package events

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Receiver is one carrier's webhook receiver: Twilio, SignalWire, TeXML or
// Bandwidth. A Receiver that also has a Challenge() string method has a
// Handler answer a request without credentials 401 with that
// WWW-Authenticate. Parse trusts what it reads, so it is only called on a request
// Verify accepted (Handler does both, in that order).
type Receiver interface {
	// Carrier names the carrier whose callbacks it receives.
	Carrier() string
	// Methods are the HTTP methods the carrier uses for the callbacks.
	Methods() []string
	// Verify checks that the carrier sent the request; body is the body
	// as received.
	Verify(r *http.Request, body []byte) error
	// Parse maps a verified request to the neutral Event. It must not
	// keep body once it returns (a Handler reuses it).
	Parse(r *http.Request, body []byte) (Event, error)
	// Status is the success answer the carrier expects.
	Status() int
}

// twilioNames are the Twilio-family parameters an Event is made of; the
// p constants index them.
var twilioNames = [...]string{"StatusCallbackEvent", "AccountSid", "ConferenceSid", "FriendlyName", "CallSid", "ParticipantLabel", "CallSidEndingConference", "ParticipantLabelEndingConference", "Reason", "ReasonConferenceEnded", "ReasonParticipantLeft", "ReasonAnnouncementFailed", "Timestamp", "SequenceNumber", "Muted", "Hold", "Coaching", "EndConferenceOnExit", "StartConferenceOnEnter"}

const (
	pStatusCallbackEvent = iota
	pAccountSid
	pConferenceSid
	pFriendlyName
	pCallSid
	pParticipantLabel
	pCallSidEndingConference
	pParticipantLabelEndingConference
	pReason
	pReasonConferenceEnded
	pReasonParticipantLeft
	pReasonAnnouncementFailed
	pTimestamp
	pSequenceNumber
	pMuted
	pHold
	pCoaching
	pEndConferenceOnExit
	pStartConferenceOnEnter
)

// Twilio-family event names (StatusCallbackEvent) per carrier: only what
// each is documented to send (events.md §1).
var (
	twilioTypes = map[string]Type{
		"conference-start": ConferenceStarted, "conference-end": ConferenceEnded,
		"participant-join": ParticipantJoined, "participant-leave": ParticipantLeft,
		"participant-mute": ParticipantMuted, "participant-unmute": ParticipantUnmuted,
		"participant-hold": ParticipantHeld, "participant-unhold": ParticipantUnheld,
		"participant-modify":       ParticipantModified,
		"participant-speech-start": SpeechStarted, "participant-speech-stop": SpeechStopped,
		"announcement-end": AnnouncementEnded, "announcement-fail": AnnouncementFailed,
	}
	signalwireTypes = without(twilioTypes, "participant-modify", "announcement-end", "announcement-fail")
	// TeXML: start, end, join, leave and speaker (Twilio's spellings; only
	// conference-start was seen verbatim).
	texmlTypes = without(signalwireTypes, "participant-mute", "participant-unmute", "participant-hold", "participant-unhold")

	bandwidthTypes = map[string]Type{
		"conferenceCreated": ConferenceStarted, "conferenceCompleted": ConferenceEnded,
		"conferenceMemberJoin": ParticipantJoined, "conferenceMemberExit": ParticipantLeft,
		"conferenceRedirect": ConferenceRedirected, "conferenceRecordingAvailable": RecordingAvailable,
	}
)

func without(m map[string]Type, drop ...string) map[string]Type {
	out := make(map[string]Type, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range drop {
		delete(out, k)
	}
	return out
}

// CarrierEvents returns the carrier event names a provider's parser maps,
// with their neutral types: what that carrier can send.
func CarrierEvents(provider string) map[string]Type {
	return without(carrierTypes[provider])
}

var twilioFamilyMethods = []string{http.MethodPost, http.MethodGet}

func (*Twilio) Carrier() string     { return CarrierTwilio }
func (*SignalWire) Carrier() string { return CarrierSignalWire }
func (*TeXML) Carrier() string      { return CarrierTelnyx }
func (*Bandwidth) Carrier() string  { return CarrierBandwidth }

func (*Twilio) Methods() []string     { return twilioFamilyMethods }
func (*SignalWire) Methods() []string { return twilioFamilyMethods }
func (*TeXML) Methods() []string      { return []string{http.MethodPost} }
func (*Bandwidth) Methods() []string  { return []string{http.MethodPost, http.MethodGet} }

// Status: the Twilio family takes any 2xx for a status callback; Bandwidth
// takes an empty answer for every conference event (204 on its pages).
func (*Twilio) Status() int     { return http.StatusOK }
func (*SignalWire) Status() int { return http.StatusOK }
func (*TeXML) Status() int      { return http.StatusOK }
func (*Bandwidth) Status() int  { return http.StatusNoContent }

// Parse maps a verified Twilio conference status callback.
func (*Twilio) Parse(r *http.Request, body []byte) (Event, error) {
	return parseTwilioFamily(CarrierTwilio, ProviderTwilio, twilioTypes, r, body)
}

// Parse maps a verified SignalWire conference status callback.
func (*SignalWire) Parse(r *http.Request, body []byte) (Event, error) {
	return parseTwilioFamily(CarrierSignalWire, ProviderSignalWire, signalwireTypes, r, body)
}

// Parse maps a verified TeXML conference status callback.
func (*TeXML) Parse(r *http.Request, body []byte) (Event, error) {
	return parseTwilioFamily(CarrierTelnyx, ProviderTeXML, texmlTypes, r, body)
}

// Parse maps a verified Bandwidth conference event.
func (*Bandwidth) Parse(r *http.Request, body []byte) (Event, error) {
	return ParseBandwidth(r.Method, r.URL.RawQuery, body)
}

// ParseTwilio maps the parameters of a Twilio-family conference status
// callback (the form body of a POST, the query of a GET) for provider
// (ProviderTwilio, ProviderSignalWire or ProviderTeXML). raw is kept as
// Event.Raw. It does not verify anything.
func ParseTwilio(provider string, params url.Values, raw string) (Event, error) {
	carrier, types := CarrierTwilio, twilioTypes
	switch provider {
	case ProviderSignalWire:
		carrier, types = CarrierSignalWire, signalwireTypes
	case ProviderTeXML:
		carrier, types = CarrierTelnyx, texmlTypes
	case ProviderTwilio:
	default:
		return Event{}, &PayloadError{Carrier: provider, Rule: "not a Twilio-family provider (want twilio, signalwire or texml)"}
	}
	return mapTwilioFamily(carrier, provider, types, paramsOf(params), raw)
}

func parseTwilioFamily(carrier, provider string, types map[string]Type, r *http.Request, body []byte) (Event, error) {
	raw := string(body)
	if r.Method == http.MethodGet {
		raw = r.URL.RawQuery
	}
	var params url.Values
	if _, ok := queryValue("?"+r.URL.RawQuery, "bodySHA256"); ok && r.Method == http.MethodPost {
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			return Event{}, &PayloadError{Carrier: carrier, Field: "body", Rule: "a bodySHA256 body must be a JSON object"}
		}
		params = url.Values{}
		for k, v := range obj {
			switch v := v.(type) {
			case string:
				params.Set(k, v)
			case nil:
			default:
				b, _ := json.Marshal(v)
				params.Set(k, string(b))
			}
		}
	} else {
		var err error
		if params, err = url.ParseQuery(raw); err != nil {
			return Event{}, &PayloadError{Carrier: carrier, Field: "body", Rule: "not form-encoded"}
		}
	}
	return mapTwilioFamily(carrier, provider, types, paramsOf(params), raw)
}

// twilioParams holds the parameters mapTwilioFamily reads, by their index
// in twilioNames: the first value of each, "" when absent.
type twilioParams [len(twilioNames)]string

func paramsOf(v url.Values) *twilioParams {
	var p twilioParams
	for i, n := range twilioNames {
		p[i] = v.Get(n)
	}
	return &p
}

// mapTwilioFamily maps the parameters.
func mapTwilioFamily(carrier, provider string, types map[string]Type, p *twilioParams, raw string) (Event, error) {
	bad := func(field, rule string) (Event, error) {
		return Event{}, &PayloadError{Carrier: carrier, Field: field, Rule: rule}
	}
	name := p[pStatusCallbackEvent]
	typ, ok := types[name]
	if !ok {
		if name == "" {
			return bad("StatusCallbackEvent", "missing")
		}
		return Event{}, &PayloadError{Carrier: carrier, Field: "StatusCallbackEvent",
			Rule: strconv.Quote(name) + " is not an event " + carrier + " sends", unknown: true}
	}
	ev := Event{
		Carrier: carrier, Provider: provider, Type: typ, CarrierType: name,
		Account: p[pAccountSid], Conference: p[pConferenceSid], ConferenceName: p[pFriendlyName],
		Call: p[pCallSid], Label: p[pParticipantLabel],
		EndedByCall: p[pCallSidEndingConference], EndedByLabel: p[pParticipantLabelEndingConference],
		ReasonText: p[pReason], Raw: raw,
	}
	if ev.Conference == "" {
		return bad("ConferenceSid", "missing")
	}
	switch typ {
	case ConferenceEnded:
		ev.EndReason = p[pReasonConferenceEnded]
	case ParticipantLeft:
		ev.EndReason = p[pReasonParticipantLeft]
	case AnnouncementFailed:
		ev.EndReason = p[pReasonAnnouncementFailed]
	}
	if ts := p[pTimestamp]; ts != "" {
		t, err := parseTime(ts)
		if err != nil {
			return bad("Timestamp", "want an RFC 2822 or RFC 3339 time")
		}
		ev.Time = t
	} else {
		return bad("Timestamp", "missing")
	}
	if s := p[pSequenceNumber]; s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return bad("SequenceNumber", "want a whole number >= 0")
		}
		ev.Sequence, ev.HasSequence = n, true
	}
	// One allocation holds the reported flags; each field points into it.
	var flags *[len(twilioNames) - pMuted]bool
	for i, name := range twilioNames[pMuted:] {
		v := p[int(pMuted)+i]
		if v == "" {
			continue
		}
		if v != "true" && v != "false" {
			return bad(name, "want true or false")
		}
		if flags == nil {
			flags = new([len(twilioNames) - pMuted]bool)
		}
		flags[i] = v == "true"
		*ev.State.field(i) = &flags[i]
	}
	return ev, nil
}

// field returns State's field i, in twilioNames' order from pMuted.
func (s *State) field(i int) **bool {
	switch i {
	case 0:
		return &s.Muted
	case 1:
		return &s.Hold
	case 2:
		return &s.Coaching
	case 3:
		return &s.EndConferenceOnExit
	default:
		return &s.StartConferenceOnEnter
	}
}

var timeLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 +0000", // RFC 2822 in UTC, as Twilio sends it (no zone to allocate)
	"Mon, 2 Jan 2006 15:04:05 -0700", // RFC 2822, Twilio and SignalWire
	time.RFC3339Nano,                 // TeXML, Bandwidth
	"Mon, 2 Jan 2006 15:04:05 MST",
}

func parseTime(s string) (time.Time, error) {
	if t, ok := parseTwilioTime(s); ok {
		return t, nil
	}
	var err error
	for _, l := range timeLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// bandwidthEvent is the part of a Bandwidth conference callback that maps
// to an Event (events.md §3.4).
type bandwidthEvent struct {
	EventType    string `json:"eventType"`
	EventTime    string `json:"eventTime"`
	ConferenceID string `json:"conferenceId"`
	Name         string `json:"name"`
	CallID       string `json:"callId"`
	Tag          string `json:"tag"`
	AccountID    string `json:"accountId"`
}

// ParseBandwidth maps a Bandwidth conference callback: the JSON body of a
// POST, or the query of a GET. It does not verify anything.
func ParseBandwidth(method, rawQuery string, body []byte) (Event, error) {
	bad := func(field, rule string) (Event, error) {
		return Event{}, &PayloadError{Carrier: CarrierBandwidth, Field: field, Rule: rule}
	}
	var b bandwidthEvent
	raw := string(body)
	if method == http.MethodGet {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return bad("query", "not form-encoded")
		}
		b = bandwidthEvent{EventType: q.Get("eventType"), EventTime: q.Get("eventTime"), ConferenceID: q.Get("conferenceId"),
			Name: q.Get("name"), CallID: q.Get("callId"), Tag: q.Get("tag"), AccountID: q.Get("accountId")}
		raw = rawQuery
	} else if err := json.Unmarshal(body, &b); err != nil {
		return bad("body", "want a JSON object")
	}
	typ, ok := bandwidthTypes[b.EventType]
	if !ok {
		if b.EventType == "" {
			return bad("eventType", "missing")
		}
		return Event{}, &PayloadError{Carrier: CarrierBandwidth, Field: "eventType",
			Rule: strconv.Quote(b.EventType) + " is not an event bandwidth sends", unknown: true}
	}
	if b.ConferenceID == "" {
		return bad("conferenceId", "missing")
	}
	t, err := time.Parse(time.RFC3339Nano, b.EventTime)
	if err != nil {
		return bad("eventTime", "want an RFC 3339 time")
	}
	return Event{Carrier: CarrierBandwidth, Provider: ProviderBandwidth, Type: typ, CarrierType: b.EventType,
		Account: b.AccountID, Conference: b.ConferenceID, ConferenceName: b.Name, Call: b.CallID, Tag: b.Tag,
		Time: t, Raw: raw}, nil
}

const monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"

// parseTwilioTime reads Twilio's form, "Thu, 1 Jun 2017 20:48:32 +0000",
// faster than time.Parse; anything else is left to time.Parse.
func parseTwilioTime(s string) (time.Time, bool) {
	// "Www, " D or DD " Mon YYYY HH:MM:SS +0000"
	if len(s) < 30 || s[3] != ',' || s[4] != ' ' {
		return time.Time{}, false
	}
	rest := s[5:]
	day, n := 0, 0
	for n < 2 && n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		day = day*10 + int(rest[n]-'0')
		n++
	}
	rest = rest[n:]
	if n == 0 || len(rest) != len(" Jan 2006 15:04:05 +0000") || rest[0] != ' ' || rest[4] != ' ' || rest[9] != ' ' ||
		rest[12] != ':' || rest[15] != ':' || rest[18:] != " +0000" {
		return time.Time{}, false
	}
	month := 0
	for i := 0; i < len(monthNames); i += 3 {
		if rest[1] == monthNames[i] && rest[2] == monthNames[i+1] && rest[3] == monthNames[i+2] {
			month = i/3 + 1
			break
		}
	}
	num := func(b string) int {
		v := 0
		for i := 0; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return -1
			}
			v = v*10 + int(b[i]-'0')
		}
		return v
	}
	year, hh, mm, ss := num(rest[5:9]), num(rest[10:12]), num(rest[13:15]), num(rest[16:18])
	if month == 0 || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || day < 1 ||
		day > daysIn(month, year) {
		return time.Time{}, false
	}
	// time.Date's result, without its normalising (the fields are valid).
	secs := (daysFromCivil(year, month, day)*24+int64(hh))*3600 + int64(mm)*60 + int64(ss)
	return time.Unix(secs, 0).UTC(), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to the date in the
// proleptic Gregorian calendar (H. Hinnant's days_from_civil; year >= 0).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := (y+400)/400 - 1 // floor(y/400), y >= -1
	yoe := y - era*400     // [0, 399]
	mp := (m + 9) % 12     // March is 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
