package events_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/events"
)

func ptr(b bool) *bool { return &b }

func TestParseTwilioConferenceEnd(t *testing.T) {
	// events.md §3.1 fields; Reason and ReasonConferenceEnded both present (twilio-go#139).
	p := url.Values{
		"ConferenceSid": {"CFe08c870b500f6e44a9ad184defd1f391"}, "FriendlyName": {"MyConf"},
		"AccountSid": {"AC00000000000000000000000000000001"}, "SequenceNumber": {"7"},
		"Timestamp": {"Thu, 1 Jun 2017 20:48:32 +0000"}, "StatusCallbackEvent": {"conference-end"},
		"ReasonConferenceEnded":            {"participant-with-end-conference-on-exit-left"},
		"Reason":                           {"Participant CA25e16e9a716a4a1786a7c83f58e30482 with endConferenceOnExit left the conference"},
		"CallSidEndingConference":          {"CA25e16e9a716a4a1786a7c83f58e30482"},
		"ParticipantLabelEndingConference": {"moderator"},
	}
	ev, err := events.ParseTwilio(events.ProviderTwilio, p, p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2017, 6, 1, 20, 48, 32, 0, time.UTC)
	if ev.Type != events.ConferenceEnded || ev.CarrierType != "conference-end" || ev.Conference != "CFe08c870b500f6e44a9ad184defd1f391" ||
		ev.ConferenceName != "MyConf" || !ev.Time.Equal(want) || !ev.HasSequence || ev.Sequence != 7 ||
		ev.EndReason != "participant-with-end-conference-on-exit-left" || ev.EndedByCall != "CA25e16e9a716a4a1786a7c83f58e30482" ||
		ev.EndedByLabel != "moderator" || ev.ReasonText == "" || ev.Carrier != events.CarrierTwilio || ev.Raw != p.Encode() {
		t.Fatalf("got %+v", ev)
	}
}

func TestParseTwilioParticipantState(t *testing.T) {
	p := url.Values{
		"ConferenceSid": {"CF1"}, "AccountSid": {"AC1"}, "SequenceNumber": {"3"}, "Timestamp": {"Thu, 01 Jun 2017 20:48:32 +0000"},
		"StatusCallbackEvent": {"participant-hold"}, "CallSid": {"CA1"}, "ParticipantLabel": {"customer"},
		"Muted": {"true"}, "Hold": {"true"}, "Coaching": {"false"}, "EndConferenceOnExit": {"false"}, "StartConferenceOnEnter": {"true"},
	}
	ev, err := events.ParseTwilio(events.ProviderTwilio, p, "")
	if err != nil {
		t.Fatal(err)
	}
	want := events.State{Muted: ptr(true), Hold: ptr(true), Coaching: ptr(false), EndConferenceOnExit: ptr(false), StartConferenceOnEnter: ptr(true)}
	if ev.Type != events.ParticipantHeld || ev.Call != "CA1" || ev.Label != "customer" || !sameState(ev.State, want) {
		t.Fatalf("got %+v", ev)
	}
	p.Set("Muted", "yes")
	if _, err := events.ParseTwilio(events.ProviderTwilio, p, ""); !errors.Is(err, events.ErrBadPayload) {
		t.Fatalf("Muted=yes: got %v", err)
	}
}

func sameState(a, b events.State) bool {
	eq := func(x, y *bool) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return eq(a.Muted, b.Muted) && eq(a.Hold, b.Hold) && eq(a.Coaching, b.Coaching) &&
		eq(a.EndConferenceOnExit, b.EndConferenceOnExit) && eq(a.StartConferenceOnEnter, b.StartConferenceOnEnter)
}

func TestParseTeXMLConferenceStartVerbatim(t *testing.T) {
	ev, err := (&events.TeXML{}).Parse(newRequest("POST", "/texml", vecTelnyxBody), []byte(vecTelnyxBody))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != events.ConferenceStarted || ev.Carrier != events.CarrierTelnyx || ev.Provider != events.ProviderTeXML ||
		ev.Conference != "conf_abc123def456" || ev.ConferenceName != "MyConference" || !ev.HasSequence || ev.Sequence != 0 ||
		!ev.Time.Equal(time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)) || ev.Label != "participant-1" ||
		ev.State != (events.State{}) {
		t.Fatalf("got %+v", ev)
	}
}

// No event is invented: each carrier's parser knows only what it sends.
func TestParsersNeverInventEvents(t *testing.T) {
	base := url.Values{"ConferenceSid": {"c"}, "Timestamp": {"2024-01-15T10:30:00Z"}}
	for _, tc := range []struct {
		provider, event string
	}{
		{events.ProviderTeXML, "participant-mute"}, {events.ProviderTeXML, "participant-hold"},
		{events.ProviderTeXML, "announcement-end"}, {events.ProviderSignalWire, "participant-modify"},
		{events.ProviderSignalWire, "announcement-end"}, {events.ProviderTwilio, "participant-dance"},
	} {
		p := url.Values{"StatusCallbackEvent": {tc.event}}
		for k, v := range base {
			p[k] = v
		}
		_, err := events.ParseTwilio(tc.provider, p, "")
		if !errors.Is(err, events.ErrUnknownEvent) {
			t.Errorf("%s %s: got %v, want ErrUnknownEvent", tc.provider, tc.event, err)
		}
	}
	for _, typ := range events.CarrierEvents(events.ProviderBandwidth) {
		if typ == events.ParticipantMuted || typ == events.ParticipantHeld {
			t.Fatalf("bandwidth maps %s", typ)
		}
	}
	if _, err := events.ParseBandwidth("POST", "", []byte(`{"eventType":"conferenceMemberMute","conferenceId":"c","eventTime":"2019-07-31T13:16:01.324Z"}`)); !errors.Is(err, events.ErrUnknownEvent) {
		t.Fatalf("bandwidth mute: got %v", err)
	}
}

// bwJoin is conferenceMemberJoin.mdx's verbatim example (events.md §3.4).
const bwJoin = `{"conferenceId":"conf-59082d52-4a2ab5be-ce26-43ed-af94-431b8a19d4e3","name":"thisConference","eventType":"conferenceMemberJoin",
 "eventTime":"2019-07-31T13:16:01.324Z","callId":"c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d","to":"+15551112345",
 "from":"+15559998765","tag":"conferenceTag"}`

func TestParseBandwidthVerbatim(t *testing.T) {
	ev, err := (&events.Bandwidth{}).Parse(newRequest("POST", "/bw", bwJoin), []byte(bwJoin))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != events.ParticipantJoined || ev.Conference != "conf-59082d52-4a2ab5be-ce26-43ed-af94-431b8a19d4e3" ||
		ev.ConferenceName != "thisConference" || ev.Call != "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d" ||
		ev.Tag != "conferenceTag" || ev.HasSequence || ev.State != (events.State{}) ||
		!ev.Time.Equal(time.Date(2019, 7, 31, 13, 16, 1, 324e6, time.UTC)) {
		t.Fatalf("got %+v", ev)
	}
	// GET puts the same fields in the query.
	q := "eventType=conferenceMemberExit&eventTime=2019-07-31T13%3A16%3A01.324Z&conferenceId=conf-1&name=n&callId=c-1"
	r, _ := http.NewRequest("GET", "/bw?"+q, nil)
	ev, err = (&events.Bandwidth{}).Parse(r, nil)
	if err != nil || ev.Type != events.ParticipantLeft || ev.Call != "c-1" || ev.Raw != q {
		t.Fatalf("GET: %+v, %v", ev, err)
	}
}

// Each carrier's real payload shape for a join maps to the same neutral
// Event, but for what the carrier does not say.
func TestSameJoinEverywhere(t *testing.T) {
	twilioJoin := "ConferenceSid=CONF&FriendlyName=room&AccountSid=ACC&SequenceNumber=2&Timestamp=Mon%2C+15+Jan+2024+10%3A30%3A00+%2B0000" +
		"&StatusCallbackEvent=participant-join&CallSid=CALL&Muted=false&Hold=false&Coaching=false&EndConferenceOnExit=false&StartConferenceOnEnter=true"
	swJoin := "ConferenceSid=CONF&FriendlyName=room&AccountSid=ACC&Timestamp=Mon%2C+15+Jan+2024+10%3A30%3A00+%2B0000" +
		"&StatusCallbackEvent=participant-join&CallSid=CALL&Muted=false&Hold=false&EndConferenceOnExit=false&StartConferenceOnEnter=true"
	texmlJoin := "AccountSid=ACC&CallSid=CALL&CallSidLegacy=CALL&ConferenceSid=CONF&ConnectionId=1&FriendlyName=room&SequenceNumber=2" +
		"&StatusCallbackEvent=participant-join&Timestamp=2024-01-15T10%3A30%3A00Z&CallingPartyType=customer"
	bwJoin := `{"conferenceId":"CONF","name":"room","eventType":"conferenceMemberJoin","eventTime":"2024-01-15T10:30:00Z","callId":"CALL"}`
	var got []events.Event
	for _, tc := range []struct {
		rcv  events.Receiver
		body string
	}{
		{&events.Twilio{}, twilioJoin}, {&events.SignalWire{}, swJoin}, {&events.TeXML{}, texmlJoin}, {&events.Bandwidth{}, bwJoin},
	} {
		ev, err := tc.rcv.Parse(newRequest("POST", "/hook", tc.body), []byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.rcv.Carrier(), err)
		}
		got = append(got, ev)
	}
	at := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	for _, ev := range got {
		if ev.Type != events.ParticipantJoined || ev.Conference != "CONF" || ev.ConferenceName != "room" || ev.Call != "CALL" || !ev.Time.Equal(at) {
			t.Errorf("%s: %+v", ev.Carrier, ev)
		}
	}
	if *got[0].State.Muted || got[0].State.Coaching == nil || got[1].State.Coaching != nil || got[2].State.Muted != nil || got[3].State.Muted != nil {
		t.Errorf("state: the carrier's report, tri-state: %+v %+v %+v %+v", got[0].State, got[1].State, got[2].State, got[3].State)
	}
	if got[1].HasSequence || got[3].HasSequence || !got[0].HasSequence || !got[2].HasSequence {
		t.Error("sequence: twilio and texml number events, signalwire and bandwidth do not")
	}
}

// The fast path for Twilio's time form agrees with time.Parse, and leaves
// everything else to it.
func TestTwilioTimeForms(t *testing.T) {
	for _, s := range []string{"Thu, 1 Jun 2017 20:48:32 +0000", "Thu, 01 Jun 2017 20:48:32 +0000", "Mon, 31 Dec 2029 23:59:59 +0000",
		"Thu, 1 Jun 2017 20:48:32 -0700", "2024-01-15T10:30:00Z", "Thu, 31 Jun 2017 20:48:32 +0000", "Thu, 1 Jux 2017 20:48:32 +0000",
		"Thu, 1 Jun 2017 24:48:32 +0000", "Thu, 1 Jun 2017 20:48:32 +0000 "} {
		p := url.Values{"ConferenceSid": {"c"}, "StatusCallbackEvent": {"conference-start"}, "Timestamp": {s}}
		ev, err := events.ParseTwilio(events.ProviderTwilio, p, "")
		want, werr := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", s)
		if werr != nil {
			want, werr = time.Parse(time.RFC3339, s)
		}
		if (err == nil) != (werr == nil) || err == nil && !ev.Time.Equal(want) {
			t.Errorf("%q: got %v, %v; time.Parse %v, %v", s, ev.Time, err, want, werr)
		}
	}
}
