package emulator_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

func flush(t *testing.T, e *emulator.Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.FlushWebhooks(ctx))
}

// A 5xx is retried, at most Retries more times; a 4xx is not.
func TestWebhookRetriesBounded(t *testing.T) {
	var calls atomic.Int64
	status := atomic.Int64{}
	status.Store(http.StatusServiceUnavailable)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	defer hook.Close()
	e, _ := start(t)
	defer e.Close()
	e.SetWebhookOptions(emulator.WebhookOptions{Retries: 2, Backoff: time.Microsecond})
	require.NoError(t, e.SetCallback(emulator.Callback{Provider: "twilio", URL: hook.URL}))
	flush(t, e)
	ds := e.Deliveries()
	require.Len(t, ds, 3, "two joins and the start") // demo agent, customer, conference-start
	for _, d := range ds {
		assert.Equal(t, 3, d.Attempts, "%+v", d)
		assert.Equal(t, http.StatusServiceUnavailable, d.Status)
	}
	assert.EqualValues(t, 9, calls.Load())

	status.Store(http.StatusBadRequest)
	_, err := e.Join("twilio", "", "", "late")
	require.NoError(t, err)
	flush(t, e)
	ds = e.Deliveries()
	assert.Equal(t, 1, ds[len(ds)-1].Attempts, "a 4xx is an answer: not sent again")
	assert.Equal(t, "participant-join", ds[len(ds)-1].Event)
}

// Each attempt is bounded by Timeout; a hook that never answers is given up.
func TestWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hook.Close()
	defer close(release)
	e, _ := start(t)
	defer e.Close()
	e.SetWebhookOptions(emulator.WebhookOptions{Timeout: 20 * time.Millisecond, Retries: -1})
	require.NoError(t, e.SetCallback(emulator.Callback{Provider: "texml", URL: hook.URL}))
	flush(t, e)
	for _, d := range e.Deliveries() {
		assert.Equal(t, 1, d.Attempts)
		assert.Zero(t, d.Status)
		assert.Contains(t, d.Error, "deadline")
	}
}

func TestWebhookGETAndAdmin(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}))
	defer hook.Close()
	e, base := start(t)
	defer e.Close()
	body := `{"provider":"twilio","url":"` + hook.URL + `/cb?x=1","method":"GET"}`
	r := do(t, "POST", base+"/_emulator/callbacks", "", body)
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	flush(t, e)
	mu.Lock()
	require.Len(t, got, 3)
	first := got[0]
	mu.Unlock()
	assert.Equal(t, "GET", first.Method)
	assert.Equal(t, "1", first.URL.Query().Get("x"))
	assert.Equal(t, "participant-join", first.URL.Query().Get("StatusCallbackEvent"))
	assert.Equal(t, twiliotest.DemoConference, first.URL.Query().Get("ConferenceSid"))
	assert.NotEmpty(t, first.Header.Get("X-Twilio-Signature"))

	r = do(t, "GET", base+"/_emulator/deliveries", "", "")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `"event":"conference-start"`)
	r = do(t, "GET", base+"/_emulator/info", "", "")
	assert.Contains(t, r.body, `"webhook_keys":{"auth_token":"`+twiliotest.DemoAuthToken+`"}`)
	assert.Contains(t, r.body, `"ed25519_public_key":"`)

	for _, bad := range []string{`{"provider":"nope","url":"http://x"}`, `{"provider":"twilio","url":"ftp://x"}`,
		`{"provider":"texml","url":"http://x","method":"GET"}`, `{"provider":"twilio","url":"http://x","method":"PUT"}`, `{"bogus":1}`} {
		r := do(t, "POST", base+"/_emulator/callbacks", "", bad)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
	}
}

func TestParseCallback(t *testing.T) {
	for in, want := range map[string]emulator.Callback{
		"twilio=http://127.0.0.1:9/h":          {Provider: "twilio", URL: "http://127.0.0.1:9/h"},
		"texml:conf-1=https://h.example/t?a=b": {Provider: "texml", Conference: "conf-1", URL: "https://h.example/t?a=b"},
		"bandwidth=GET:http://h/x":             {Provider: "bandwidth", Method: "GET", URL: "http://h/x"},
	} {
		got, err := emulator.ParseCallback(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := emulator.ParseCallback("twilio")
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "PROVIDER"))
}

// Close without any callback set, and twice, is fine.
func TestWebhookCloseIdle(t *testing.T) {
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	require.NoError(t, e.Close())
	require.NoError(t, e.Close())
}

// CreateParticipant with ConferenceStatusCallback sets the conference's
// callback as Twilio and TeXML do: the first one set wins, and
// ConferenceStatusCallbackEvent subscribes (Twilio's default start end,
// TeXML's none).
func TestConferenceStatusCallbackOnCreate(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		mu.Lock()
		got[r.URL.Path] = append(got[r.URL.Path], r.PostForm.Get("StatusCallbackEvent"))
		mu.Unlock()
	}))
	defer hook.Close()
	e, base := start(t)
	defer e.Close()

	create := func(path, auth, form string) reply {
		return do(t, "POST", base+path, auth, form)
	}
	r := create(twilioPath[:len(twilioPath)-1]+".json", basicAuth,
		"From=%2B15550001111&To=%2B15550002222&Label=late&ConferenceStatusCallback="+hook.URL+"/first&ConferenceStatusCallbackEvent=join+leave")
	require.Equal(t, http.StatusCreated, r.status, r.body)
	assert.Contains(t, r.body, `"label":"late"`)
	r = create(twilioPath[:len(twilioPath)-1]+".json", basicAuth, "From=a&To=b&ConferenceStatusCallback="+hook.URL+"/second")
	require.Equal(t, http.StatusCreated, r.status, r.body)
	r = create(twilioPath[:len(twilioPath)-1]+".json", basicAuth, "To=b")
	assert.Equal(t, http.StatusUnprocessableEntity, r.status, "From is required")
	r = create(twilioPath[:len(twilioPath)-1]+".json", "Basic bm9wZTpub3Bl", "From=a&To=b")
	assert.Equal(t, http.StatusUnauthorized, r.status)

	r = create(texmlPath[:len(texmlPath)-1], bearerAuth, "From=a&To=b&ConferenceStatusCallback="+hook.URL+"/texml")
	require.Equal(t, http.StatusCreated, r.status, r.body)
	flush(t, e)
	mu.Lock()
	defer mu.Unlock()
	// The two demo joins, the first create's join, the second's: no start
	// (not subscribed), nothing at /second (the first callback wins).
	assert.Equal(t, map[string][]string{"/first": {"participant-join", "participant-join", "participant-join", "participant-join"}}, got)
}

// A password in a callback URL never shows in the deliveries.
func TestWebhookDeliveriesHidePassword(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer hook.Close()
	e, _ := start(t)
	defer e.Close()
	require.NoError(t, e.SetCallback(emulator.Callback{Provider: "twilio", URL: strings.Replace(hook.URL, "http://", "http://user:s3cret@", 1)}))
	flush(t, e)
	ds := e.Deliveries()
	require.NotEmpty(t, ds)
	for _, d := range ds {
		assert.NotContains(t, d.URL, "s3cret")
		assert.Equal(t, http.StatusOK, d.Status)
	}
}

// Close lets queued callbacks go out first, within CloseGrace.
func TestWebhookCloseDrains(t *testing.T) {
	var calls atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	defer hook.Close()
	e, _ := start(t)
	require.NoError(t, e.SetCallback(emulator.Callback{Provider: "texml", URL: hook.URL}))
	require.NoError(t, e.Close())
	assert.EqualValues(t, 3, calls.Load(), "two joins and the start, posted before Close returned")
}
