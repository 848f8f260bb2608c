package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// secretEnv is the environment variable of provider's i-th webhook secret.
func secretEnv(t *testing.T, provider string, i int) string {
	t.Helper()
	for _, r := range events.Receivers() {
		if r.Provider == provider {
			return r.Secrets[i].Env
		}
	}
	t.Fatalf("no receiver for %s", provider)
	return ""
}

// Every receiver of package events is for a registered adapter, and the
// emulator's fake of it gives exactly the webhook keys the receiver is
// built from; every fake that posts callbacks has a receiver.
func TestEventReceiversMatchRegistry(t *testing.T) {
	rcvs := map[string]events.ReceiverInfo{}
	for _, r := range events.Receivers() {
		_, ok := providers.DefaultURLMux().Lookup(r.Provider)
		assert.True(t, ok, "receiver %s: no adapter registered under that name", r.Provider)
		rcvs[r.Provider] = r
	}
	for _, c := range emulated.Carriers() {
		if c.Webhooks == nil {
			continue
		}
		r, ok := rcvs[c.Name]
		if !assert.True(t, ok, "%s posts callbacks but package events has no receiver for it", c.Name) {
			continue
		}
		var names []string
		for _, s := range r.Secrets {
			names = append(names, s.Name)
		}
		assert.ElementsMatch(t, names, slices.Collect(maps.Keys(c.Webhooks.Keys)), c.Name)
	}
}

// A receiver with two secrets half set is refused, from the environment
// or the emulator's keys, naming where each was read.
func TestEventReceiversHalfSet(t *testing.T) {
	_, err := eventReceivers(events.URLSource{}, map[string]emulator.VendorInfo{
		"bandwidth": {WebhookKeys: map[string]string{"basic_username": "u"}}})
	require.Error(t, err)
	assert.Equal(t, "bandwidth webhook key basic_username and bandwidth webhook key basic_password: set both or neither", err.Error())
	rcvs, err := eventReceivers(events.URLSource{}, map[string]emulator.VendorInfo{
		"bandwidth": {WebhookKeys: map[string]string{"basic_username": "u", "basic_password": "p"}}})
	require.NoError(t, err)
	require.Len(t, rcvs, 1)
	assert.Equal(t, &events.Bandwidth{Username: "u", Password: "p"}, rcvs[0].rcv)
}

// startEvents runs carrierctl events on a free port and returns it, the
// address it printed on stderr, and its stdout (read it after Wait).
func startEvents(ctx context.Context, t *testing.T, env map[string]string, args ...string) (*exec.Cmd, string, *lockedBuffer) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, append([]string{"events", "--listen", "127.0.0.1:0", "--output", "jsonl"}, args...)...)
	cmd.Env = cleanEnv(env)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	stdout := new(lockedBuffer)
	cmd.Stdout = stdout
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	addr, _, ok := strings.Cut(strings.TrimPrefix(line, "listening on "), " ")
	require.True(t, ok, line)
	return cmd, addr, stdout
}

// lockedBuffer is a bytes.Buffer the child's output is copied into while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func eventLines(t *testing.T, out string) []events.Event {
	t.Helper()
	var evs []events.Event
	for line := range strings.Lines(out) {
		var ev events.Event
		require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
		evs = append(evs, ev)
	}
	return evs
}

// carrierctl events --emulator takes the keys from a running emulate and
// subscribes: the demo conferences' joins arrive verified, then an update
// through carrierctl update arrives as participant.muted.
func TestEventsCommandWithEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	emu, info, _ := startEmulate(ctx, t)
	// Per carrier: two joins and the start (Bandwidth: created, two
	// joins); then one mute on Twilio.
	cmd, _, stdout := startEvents(ctx, t, nil, "--emulator", info["twilio"].BaseURL, "--count", "13")
	// Wait for the replayed joins before updating, so the mute comes last.
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(stdout.String(), "\n") < 12 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	v := vendor{"twilio", info["twilio"]}
	r := carrierctl(t, v.Credentials, append([]string{"update", "--muted", "true"}, v.args()...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, cmd.Wait())
	evs := eventLines(t, stdout.String())
	require.Len(t, evs, 13)
	perCarrier := map[string]int{}
	for _, ev := range evs[:12] {
		perCarrier[ev.Provider]++
		assert.Contains(t, []events.Type{events.ParticipantJoined, events.ConferenceStarted}, ev.Type)
	}
	assert.Equal(t, map[string]int{"twilio": 3, "texml": 3, "signalwire": 3, "bandwidth": 3}, perCarrier)
	last := evs[12]
	assert.Equal(t, events.ParticipantMuted, last.Type)
	assert.Equal(t, twiliotest.DemoConference, last.Conference)
	require.NotNil(t, last.State.Muted)
	assert.True(t, *last.State.Muted)
	require.NoError(t, emu.Process.Signal(syscall.SIGINT))
	require.NoError(t, emu.Wait())
}

// carrierctl emulate --callback posts to a receiver that has the secret
// from the environment; a wrong secret is refused on stderr.
func TestEmulateCallbackFlag(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, addr, stdout := startEvents(ctx, t, map[string]string{secretEnv(t, "twilio", 0): twiliotest.DemoAuthToken}, "--count", "3")
	emu, _, _ := startEmulate(ctx, t, "--callback", "twilio="+addr+"/twilio")
	require.NoError(t, cmd.Wait())
	require.NoError(t, emu.Process.Signal(syscall.SIGINT))
	require.NoError(t, emu.Wait())
	evs := eventLines(t, stdout.String())
	require.Len(t, evs, 3)
	assert.Equal(t, []events.Type{events.ParticipantJoined, events.ParticipantJoined, events.ConferenceStarted},
		[]events.Type{evs[0].Type, evs[1].Type, evs[2].Type})
	assert.Equal(t, []uint64{1, 2, 3}, []uint64{evs[0].Sequence, evs[1].Sequence, evs[2].Sequence})
}

func TestEventsUsage(t *testing.T) {
	r := carrierctl(t, nil, "events", "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no secret set")
	r = carrierctl(t, map[string]string{secretEnv(t, "bandwidth", 0): "u"}, "events", "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "set both or neither")
	r = carrierctl(t, map[string]string{secretEnv(t, "texml", 0): "not-a-key"}, "events", "--listen", "127.0.0.1:0")
	assert.Equal(t, 2, r.code)
	assert.NotContains(t, r.stderr, "not-a-key")
	assert.Contains(t, r.stderr, "TELNYX_PUBLIC_KEY: want a base64 Ed25519 public key")
	r = carrierctl(t, nil, "events", "--output", "xml")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--output")
	r = carrierctl(t, nil, "emulate", "--callback", "twilio")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--callback: invalid value "twilio": want PROVIDER`)
}

// carrierctl emulate --callback, for every carrier, to a test server
// running the events package's Handler: a mute, then a hold, through
// carrierctl update arrive as participant.muted then participant.held,
// each once, after the demo joins; Bandwidth and TeXML send no mute or
// hold callback, and none arrives.
func TestEmulateCallbacksToHandler(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var (
		mu    sync.Mutex
		got   = map[string][]events.Event{}
		ready = make(chan struct{})
		mux   = http.NewServeMux()
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready // the receivers are made from the keys emulate prints
		mux.ServeHTTP(w, r)
	}))
	defer app.Close()
	var args []string
	carriers := []string{"bandwidth", "signalwire", "texml", "twilio"}
	for _, p := range carriers {
		args = append(args, "--callback", p+"="+app.URL+"/"+p)
	}
	emu, info, stderr := startEmulate(ctx, t, args...)
	rcvs, err := eventReceivers(events.URLSource{PublicURL: app.URL}, info)
	require.NoError(t, err)
	require.Len(t, rcvs, 4)
	for _, r := range rcvs {
		mux.Handle("/"+r.provider, events.NewHandler(r.rcv, func(_ context.Context, ev events.Event) error {
			mu.Lock()
			got[r.provider] = append(got[r.provider], ev)
			mu.Unlock()
			return nil
		}, events.HandlerOptions{OnError: func(_ *http.Request, err error) { t.Errorf("%s: refused: %v", r.provider, err) }}))
	}
	close(ready)
	count := func(p string) int {
		mu.Lock()
		defer mu.Unlock()
		return len(got[p])
	}
	waitFor := func(p string, n int) {
		t.Helper()
		for count(p) < n {
			select {
			case <-ctx.Done():
				t.Fatalf("%s: %d events, want %d", p, count(p), n)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	for _, p := range carriers {
		waitFor(p, 3) // two joins and the start
		v := vendor{p, info[p]}
		for _, flag := range []string{"--muted", "--hold"} {
			r := carrierctl(t, v.Credentials, append([]string{"update", flag, "true"}, v.args()...)...)
			require.Equal(t, 0, r.code, "%s %s: %s", p, flag, r.stderr)
		}
	}
	// One goroutine posts every callback in order: once Twilio's hold (the
	// last update) arrived, a TeXML or Bandwidth mute would have too.
	waitFor("twilio", 5)
	waitFor("signalwire", 5)
	require.NoError(t, emu.Process.Signal(syscall.SIGINT))
	require.NoError(t, emu.Wait(), stderr.String())
	mu.Lock()
	defer mu.Unlock()
	for _, p := range carriers {
		agent := info[p].Participants[0].Call
		var types []events.Type
		for _, ev := range got[p] {
			types = append(types, ev.Type)
		}
		want := []events.Type{events.ParticipantJoined, events.ParticipantJoined, events.ConferenceStarted}
		if p == "bandwidth" {
			want = []events.Type{events.ConferenceStarted, events.ParticipantJoined, events.ParticipantJoined}
		}
		if p == "twilio" || p == "signalwire" {
			want = append(want, events.ParticipantMuted, events.ParticipantHeld)
			last := got[p][len(got[p])-1]
			assert.Equal(t, agent, last.Call, p)
			require.NotNil(t, last.State.Muted, p)
			assert.True(t, *last.State.Muted && *last.State.Hold, "%s: held and still muted", p)
		}
		assert.Equal(t, want, types, p)
	}
}
