package events_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
	_ "github.com/carrierkit/carrierkit/providers/signalwire/signalwiretest"
	_ "github.com/carrierkit/carrierkit/providers/texml/texmltest"
	_ "github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// receivers builds each carrier's Receiver from the keys the emulator
// prints, through its ReceiverInfo, as carrierctl events does.
func receivers(t *testing.T, info emulator.VendorInfo, provider, publicURL string) events.Receiver {
	t.Helper()
	for _, r := range events.Receivers() {
		if r.Provider != provider {
			continue
		}
		var values []string
		for _, s := range r.Secrets {
			values = append(values, info.WebhookKeys[s.Name])
		}
		rcv, err := r.New(values, events.URLSource{PublicURL: publicURL})
		if err != nil {
			t.Fatal(err)
		}
		return rcv
	}
	t.Fatalf("no receiver for %s", provider)
	return nil
}

type step struct {
	typ   events.Type
	call  string
	muted *bool
	held  *bool
}

// TestEmulatorCallbacksEndToEnd: the emulator posts each carrier's
// callbacks to an app's Handler; an update through carrierkit (mute, then
// hold) arrives as the matching neutral events, in order, each once.
// Bandwidth and TeXML send no mute or hold callback, and none is invented.
func TestEmulatorCallbacksEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	api := httptest.NewServer(e)
	defer api.Close()
	defer e.Close()
	e.SetWebhookOptions(emulator.WebhookOptions{Timeout: 5 * time.Second, Backoff: time.Millisecond})

	var mu sync.Mutex
	got := map[string][]events.Event{}
	app := http.NewServeMux()
	hooks := httptest.NewServer(app)
	defer hooks.Close()
	info := e.Info(api.URL)

	for _, v := range e.Vendors() {
		t.Run(v.Name, func(t *testing.T) {
			rcv := receivers(t, info[v.Name], v.Name, hooks.URL)
			var refused []error
			app.Handle("/"+v.Name, events.NewHandler(rcv, func(_ context.Context, ev events.Event) error {
				mu.Lock()
				got[v.Name] = append(got[v.Name], ev)
				mu.Unlock()
				return nil
			}, events.HandlerOptions{OnError: func(_ *http.Request, err error) {
				mu.Lock()
				refused = append(refused, err)
				mu.Unlock()
			}}))
			if err := e.SetCallback(emulator.Callback{Provider: v.Name, URL: hooks.URL + "/" + v.Name}); err != nil {
				t.Fatal(err)
			}
			mux := new(providers.URLMux)
			mux.RegisterUpdater(v.Name, v.Opener(v.Demo, driver.Options{}).(providers.UpdaterURLOpener))
			u, err := mux.OpenUpdater(ctx, v.Name+"://?base_url="+url.QueryEscape(info[v.Name].BaseURL))
			if err != nil {
				t.Fatal(err)
			}
			agent, customer := v.Participants[0].Call, v.Participants[1].Call
			ref := participant.Ref{Conference: v.Conference, Call: customer}
			if _, err := u.Update(ctx, ref, participant.UpdateRequest{Muted: participant.Bool(true)}); err != nil {
				t.Fatal(err)
			}
			if _, err := u.Update(ctx, ref, participant.UpdateRequest{Hold: participant.Bool(true)}); err != nil {
				t.Fatal(err)
			}
			late, err := e.Join(v.Name, "", "", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Hangup(v.Name, "", late.Call); err != nil {
				t.Fatal(err)
			}
			// Removed through carrierkit where the carrier can remove; a
			// Bandwidth member leaves when its call ends.
			if err := u.Remove(ctx, ref); err != nil {
				if v.Name != events.ProviderBandwidth {
					t.Fatal(err)
				}
				if err := e.Hangup(v.Name, "", customer); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Hangup(v.Name, "", agent); err != nil {
				t.Fatal(err)
			}
			if err := e.FlushWebhooks(ctx); err != nil {
				t.Fatal(err)
			}
			tr, f := participant.Bool(true), participant.Bool(false)
			want := []step{{events.ParticipantJoined, agent, f, f}, {events.ParticipantJoined, customer, f, f}, {events.ConferenceStarted, "", nil, nil}}
			if v.Name != events.ProviderTeXML && v.Name != events.ProviderBandwidth {
				want = append(want, step{events.ParticipantMuted, customer, tr, f}, step{events.ParticipantHeld, customer, tr, tr})
			}
			want = append(want, step{events.ParticipantJoined, late.Call, f, f}, step{events.ParticipantLeft, late.Call, f, f},
				step{events.ParticipantLeft, customer, tr, tr}, step{events.ParticipantLeft, agent, f, f}, step{events.ConferenceEnded, "", nil, nil})
			if v.Name == events.ProviderBandwidth {
				want[0], want[1], want[2] = step{events.ConferenceStarted, "", nil, nil}, want[0], want[1]
			}
			mu.Lock()
			evs := slices.Clone(got[v.Name])
			if len(refused) != 0 {
				t.Errorf("the handler refused the emulator's callbacks: %v", refused)
			}
			mu.Unlock()
			if len(evs) != len(want) {
				for _, ev := range evs {
					t.Logf("%s %s %s", ev.CarrierType, ev.Type, ev.Call)
				}
				t.Fatalf("got %d events, want %d", len(evs), len(want))
			}
			stated := v.Name == events.ProviderTwilio || v.Name == events.ProviderSignalWire
			for i, w := range want {
				ev := evs[i]
				if ev.Type != w.typ || ev.Call != w.call || ev.Conference != v.Conference || ev.Synthesized || ev.OutOfOrder {
					t.Errorf("event %d: %s %s %q, want %s %q", i, ev.CarrierType, ev.Type, ev.Call, w.typ, w.call)
				}
				if stated && w.muted != nil && (ev.State.Muted == nil || *ev.State.Muted != *w.muted || *ev.State.Hold != *w.held) {
					t.Errorf("event %d %s: state %+v, want muted %v hold %v", i, ev.Type, ev.State, *w.muted, *w.held)
				}
				if !stated && ev.State != (events.State{}) {
					t.Errorf("event %d: %s reports no state, got %+v", i, v.Name, ev.State)
				}
				if ev.Time.IsZero() || (ev.HasSequence && i > 0 && ev.Sequence <= evs[i-1].Sequence) {
					t.Errorf("event %d: time %v, sequence %d after %d", i, ev.Time, ev.Sequence, evs[max(i-1, 0)].Sequence)
				}
			}
			for _, d := range e.Deliveries() {
				if d.Provider == v.Name && (d.Attempts != 1 || d.Status != rcv.Status()) {
					t.Errorf("delivery %+v: want one attempt answered %d", d, rcv.Status())
				}
			}
		})
	}
}
