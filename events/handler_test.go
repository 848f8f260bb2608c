package events_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/webhooksign"
)

const hookToken = "handler-test-token"

var hookPublic = "https://hooks.example.com"

func twilioCallback(event string, seq int, extra url.Values) url.Values {
	p := url.Values{
		"ConferenceSid": {"CF1"}, "FriendlyName": {"room"}, "AccountSid": {"AC1"},
		"Timestamp": {"Mon, 15 Jan 2024 10:30:0" + strconv.Itoa(max(seq, 0)%10) + " +0000"}, "StatusCallbackEvent": {event},
		"CallSid": {"CA1"},
	}
	if seq >= 0 {
		p.Set("SequenceNumber", strconv.Itoa(seq))
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func signedTwilio(p url.Values) *http.Request {
	body := p.Encode()
	r := newRequest("POST", "/status", body)
	r.Header.Set(events.HeaderTwilioSignature, webhooksign.Twilio(hookToken, hookPublic+"/status", p))
	return r
}

type sink struct {
	mu  sync.Mutex
	evs []events.Event
	err error
}

func (s *sink) deliver(_ context.Context, ev events.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.evs = append(s.evs, ev)
	return nil
}

func (s *sink) events() []events.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]events.Event(nil), s.evs...)
}

func newTwilioHandler(s *sink, opts events.HandlerOptions) *events.Handler {
	return events.NewHandler(&events.Twilio{AuthToken: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}}, s.deliver, opts)
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerDeliversOnceAndDedups(t *testing.T) {
	s := &sink{}
	h := newTwilioHandler(s, events.HandlerOptions{})
	p := twilioCallback("participant-mute", 4, url.Values{"Muted": {"true"}})
	for i := range 3 {
		if w := serve(h, signedTwilio(p)); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: %d %s", i, w.Code, w.Body)
		}
	}
	got := s.events()
	if len(got) != 1 || got[0].Type != events.ParticipantMuted || *got[0].State.Muted != true {
		t.Fatalf("got %+v", got)
	}
}

func TestHandlerDedupWithoutSequence(t *testing.T) {
	s := &sink{}
	h := events.NewHandler(&events.SignalWire{SigningKey: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}}, s.deliver, events.HandlerOptions{})
	send := func(p url.Values) {
		r := newRequest("POST", "/status", p.Encode())
		r.Header.Set(events.HeaderSignalWireSignature, webhooksign.Twilio(hookToken, hookPublic+"/status", p))
		if w := serve(h, r); w.Code != http.StatusOK {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	mute := twilioCallback("participant-mute", -1, nil)
	send(mute)
	send(mute)
	unmute := twilioCallback("participant-unmute", -1, nil) // same call and time, another type
	send(unmute)
	other := twilioCallback("participant-mute", -1, url.Values{"CallSid": {"CA2"}})
	send(other)
	later := twilioCallback("participant-mute", -1, url.Values{"Timestamp": {"Mon, 15 Jan 2024 10:31:00 +0000"}})
	send(later)
	if got := s.events(); len(got) != 4 {
		t.Fatalf("got %d events, want 4: %+v", len(got), got)
	}
}

func TestHandlerDedupWindowIsBounded(t *testing.T) {
	s := &sink{}
	now := time.Unix(1_700_000_000, 0)
	h := newTwilioHandler(s, events.HandlerOptions{DedupWindow: time.Minute, DedupCapacity: 2, Now: func() time.Time { return now }})
	a, b, c := twilioCallback("participant-join", 1, nil), twilioCallback("participant-join", 2, nil), twilioCallback("participant-join", 3, nil)
	serve(h, signedTwilio(a))
	serve(h, signedTwilio(b))
	serve(h, signedTwilio(a)) // remembered: dropped
	serve(h, signedTwilio(c)) // over capacity: a is forgotten
	serve(h, signedTwilio(a))
	if got := len(s.events()); got != 4 {
		t.Fatalf("capacity: got %d events, want 4", got)
	}
	now = now.Add(2 * time.Minute)
	serve(h, signedTwilio(c)) // past the window: delivered again
	if got := len(s.events()); got != 5 {
		t.Fatalf("window: got %d events, want 5", got)
	}
}

func TestHandlerOutOfOrderIsMarkedNotHeld(t *testing.T) {
	s := &sink{}
	h := newTwilioHandler(s, events.HandlerOptions{})
	for _, seq := range []int{1, 3, 2, 4} {
		serve(h, signedTwilio(twilioCallback("participant-join", seq, url.Values{"CallSid": {"CA" + strconv.Itoa(seq)}})))
	}
	got := s.events()
	if len(got) != 4 {
		t.Fatalf("got %d", len(got))
	}
	for i, want := range []struct {
		seq uint64
		ooo bool
	}{{1, false}, {3, false}, {2, true}, {4, false}} {
		if got[i].Sequence != want.seq || got[i].OutOfOrder != want.ooo {
			t.Errorf("arrival %d: seq %d out-of-order %v, want %d %v", i, got[i].Sequence, got[i].OutOfOrder, want.seq, want.ooo)
		}
	}
}

func TestHandlerRefusals(t *testing.T) {
	s := &sink{}
	var refused []error
	var mu sync.Mutex
	h := newTwilioHandler(s, events.HandlerOptions{MaxBody: 512, OnError: func(_ *http.Request, err error) {
		mu.Lock()
		refused = append(refused, err)
		mu.Unlock()
	}})
	good := signedTwilio(twilioCallback("participant-join", 1, nil))

	put := newRequest("PUT", "/status", "")
	if w := serve(h, put); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST, GET" {
		t.Errorf("PUT: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
	big := twilioCallback("participant-join", 1, url.Values{"Pad": {strings.Repeat("x", 600)}})
	if w := serve(h, signedTwilio(big)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("over MaxBody: %d", w.Code)
	}
	forged := signedTwilio(twilioCallback("participant-join", 1, nil))
	forged.Header.Set(events.HeaderTwilioSignature, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if w := serve(h, forged); w.Code != http.StatusForbidden {
		t.Errorf("forged: %d", w.Code)
	}
	unsigned := newRequest("POST", "/status", "ConferenceSid=CF1")
	if w := serve(h, unsigned); w.Code != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", w.Code)
	}
	unknown := twilioCallback("conference-record-end", 9, nil)
	if w := serve(h, signedTwilio(unknown)); w.Code != http.StatusOK {
		t.Errorf("unknown event: %d, want the carrier's 200 so it does not retry", w.Code)
	}
	if len(s.events()) != 0 {
		t.Fatalf("delivered %+v", s.events())
	}
	if w := serve(h, good); w.Code != http.StatusOK || len(s.events()) != 1 {
		t.Fatalf("good: %d", w.Code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(refused) != 5 || !strings.Contains(refused[0].Error(), "PUT") || !strings.Contains(refused[1].Error(), "MaxBody") ||
		!errors.Is(refused[2], events.ErrBadSignature) || !errors.Is(refused[3], events.ErrMissingSignature) ||
		!errors.Is(refused[4], events.ErrUnknownEvent) {
		t.Fatalf("OnError got %v", refused)
	}
	misconfigured := events.NewHandler(&events.Twilio{URLSource: events.URLSource{PublicURL: hookPublic}}, s.deliver, events.HandlerOptions{})
	if w := serve(misconfigured, signedTwilio(twilioCallback("participant-join", 1, nil))); w.Code != http.StatusInternalServerError {
		t.Errorf("no auth token: %d, want 500 (fail closed)", w.Code)
	}
}

func TestHandlerDeliverFailureIsRetried(t *testing.T) {
	s := &sink{err: errors.New("database down")}
	h := newTwilioHandler(s, events.HandlerOptions{})
	p := twilioCallback("participant-leave", 5, nil)
	if w := serve(h, signedTwilio(p)); w.Code != http.StatusInternalServerError {
		t.Fatalf("failed delivery: %d", w.Code)
	}
	s.mu.Lock()
	s.err = nil
	s.mu.Unlock()
	if w := serve(h, signedTwilio(p)); w.Code != http.StatusOK || len(s.events()) != 1 {
		t.Fatalf("retry: %d, %d events", w.Code, len(s.events()))
	}
}

func TestHandlerBandwidthChallengeAnd204(t *testing.T) {
	s := &sink{}
	h := events.NewHandler(&events.Bandwidth{Username: "u", Password: "p"}, s.deliver, events.HandlerOptions{})
	r := newRequest("POST", "/bw", bwJoin)
	w := serve(h, r)
	if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("no credentials: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	r = newRequest("POST", "/bw", bwJoin)
	r.SetBasicAuth("u", "p")
	if w := serve(h, r); w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Fatalf("member join: %d %q", w.Code, w.Body)
	}
	if got := s.events(); len(got) != 1 || got[0].Type != events.ParticipantJoined {
		t.Fatalf("got %+v", got)
	}
}

func TestHandlerTeXMLPostOnly(t *testing.T) {
	_, pub := rfc8032Key()
	h := events.NewHandler(&events.TeXML{PublicKey: pub}, (&sink{}).deliver, events.HandlerOptions{})
	r := newRequest("GET", "/texml?"+vecTelnyxBody, "")
	r.Header.Set(events.HeaderTelnyxSignature, vecTelnyxSig)
	r.Header.Set(events.HeaderTelnyxTimestamp, vecTelnyxTS)
	if w := serve(h, r); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET (query not signed): %d", w.Code)
	}
}

// Many copies of one event and many distinct events at once: each
// distinct event is delivered exactly once (go test -race).
func TestHandlerConcurrent(t *testing.T) {
	var delivered atomic.Int64
	h := events.NewHandler(&events.Twilio{AuthToken: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}},
		func(context.Context, events.Event) error { delivered.Add(1); return nil }, events.HandlerOptions{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 64 {
		wg.Go(func() {
			w := serve(h, signedTwilio(twilioCallback("participant-join", i%8, nil)))
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if delivered.Load() != 8 || codes[http.StatusOK]+codes[http.StatusServiceUnavailable] != 64 {
		t.Fatalf("delivered %d, answers %v", delivered.Load(), codes)
	}
}

// The Handler parses a verified form once, for the signature and the
// Event; what it delivers is what Parse returns.
func TestHandlerDeliversWhatParseReturns(t *testing.T) {
	for i, p := range []url.Values{
		twilioCallback("participant-hold", 1, url.Values{"Muted": {"true"}, "Hold": {"true"}, "Coaching": {"false"}, "ParticipantLabel": {"a b+c"}}),
		twilioCallback("conference-end", 2, url.Values{"ReasonConferenceEnded": {"last-participant-left"}, "Reason": {"x%y"}, "CallSidEndingConference": {"CA9"}}),
		twilioCallback("participant-join", 3, url.Values{"CallSid": {"CA2", "CA1"}}), // repeated: the first in the body is used
		twilioCallback("participant-leave", 4, url.Values{"Muted": {"maybe"}}),
		// A repeated name the Event does not read, and an empty one; the
		// values need no unescaping, so they are read from Raw in place.
		twilioCallback("participant-mute", 5, url.Values{"CallStatus": {"b", "a"}, "Coaching": {""}, "ParticipantLabel": {"plain"}}),
	} {
		s := &sink{}
		h := newTwilioHandler(s, events.HandlerOptions{})
		w := serve(h, signedTwilio(p))
		want, werr := (&events.Twilio{}).Parse(signedTwilio(p), []byte(p.Encode()))
		if werr != nil {
			if w.Code != http.StatusBadRequest || len(s.events()) != 0 {
				t.Errorf("%d: Parse: %v; handler answered %d", i, werr, w.Code)
			}
			continue
		}
		got := s.events()
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("%d: delivered %+v\nParse      %+v", i, got, want)
		}
	}
}
