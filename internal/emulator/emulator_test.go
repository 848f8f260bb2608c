package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/memnet"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

var (
	twilioPath = "/2010-04-01/Accounts/" + twiliotest.DemoAccount + "/Conferences/" + twiliotest.DemoConference + "/Participants/"
	texmlPath  = "/v2/texml/Accounts/" + texmltest.DemoAccount + "/Conferences/" + texmltest.DemoConference + "/Participants/"
	basicAuth  = "Basic " + base64.StdEncoding.EncodeToString([]byte(twiliotest.DemoAccount+":"+twiliotest.DemoAuthToken))
	bearerAuth = "Bearer " + texmltest.DemoAPIKey
)

func start(t *testing.T) (*emulator.Emulator, string) {
	t.Helper()
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv.URL
}

type reply struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url, auth, body string) reply {
	t.Helper()
	return doWith(t, http.DefaultClient, method, url, auth, body)
}

// startInMemory serves a new emulator on an in-memory network, for tests
// under testing/synctest, and returns the client that reaches it.
func startInMemory(t *testing.T) (*emulator.Emulator, string, *http.Client) {
	t.Helper()
	var mn memnet.Network
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	srv := mn.Server(t, "emulator.test:80", e)
	c := mn.Client()
	t.Cleanup(c.CloseIdleConnections)
	return e, srv.URL, c
}

func doWith(t *testing.T, c *http.Client, method, url, auth, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func TestRoutes(t *testing.T) {
	e, base := start(t)
	r := do(t, "GET", base+twilioPath+"agent.json", basicAuth, "")
	assert.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"call_sid":"`+twiliotest.DemoAgentCall+`"`)

	r = do(t, "POST", base+texmlPath+texmltest.DemoCustomerCall, bearerAuth, "Muted=true")
	assert.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"muted":true`)

	r = do(t, "GET", base+twilioPath+"agent.json", "Basic bm9wZTpub3Bl", "")
	assert.Equal(t, 401, r.status)

	// Paths are not cleaned: an escaped label reaches the fake as sent.
	tx, err := e.Vendor("texml")
	require.NoError(t, err)
	tx.Server.Seed(vendorfake.Participant{Account: texmltest.DemoAccount, Conference: texmltest.DemoConference, Label: "../x"})
	r = do(t, "GET", base+texmlPath+"..%2Fx", bearerAuth, "")
	assert.Equal(t, 200, r.status, r.body)

	for _, path := range []string{"/", "/v1/texml/x", "/_emulator/nope"} {
		r = do(t, "GET", base+path, "", "")
		assert.Equal(t, 404, r.status, path)
		assert.Contains(t, r.body, `"error"`, path)
	}
}

func TestInfo(t *testing.T) {
	// A carrier's real credentials in the environment are never shown: the
	// emulator shows only its own demo ones.
	envCreds := map[string]string{"TWILIO_ACCOUNT_SID": "AC99999999999999999999999999999999",
		"TWILIO_AUTH_TOKEN": "realtoken_do_not_show", "TWILIO_API_KEY": "SKrealkey_do_not_show",
		"TWILIO_API_SECRET": "realsecret_do_not_show", "TELNYX_API_KEY": "KEYreal_do_not_show"}
	for k, v := range envCreds {
		t.Setenv(k, v)
	}
	e, base := start(t)
	r := do(t, "GET", base+"/_emulator/info", "", "")
	require.Equal(t, 200, r.status)
	for _, v := range envCreds {
		assert.NotContains(t, r.body, v)
	}
	var info map[string]emulator.VendorInfo
	require.NoError(t, json.Unmarshal([]byte(r.body), &info))
	assert.Equal(t, e.Info(base), info)
	assert.Equal(t, base, info["twilio"].BaseURL)
	assert.Equal(t, base+"/v2", info["texml"].BaseURL)
	assert.Equal(t, map[string]string{"TWILIO_ACCOUNT_SID": twiliotest.DemoAccount, "TWILIO_AUTH_TOKEN": twiliotest.DemoAuthToken},
		info["twilio"].Credentials, "exactly the demo credentials")
	assert.Equal(t, map[string]string{"TELNYX_API_KEY": texmltest.DemoAPIKey, "TELNYX_ACCOUNT_SID": texmltest.DemoAccount},
		info["texml"].Credentials, "the account too, as every carrier's block has it")
	assert.Equal(t, 2, info["twilio"].ParticipantCount)
	assert.Equal(t, []emulator.Seeded{{Call: twiliotest.DemoAgentCall, Label: "agent"}, {Call: twiliotest.DemoCustomerCall}},
		info["twilio"].Participants)
}

func TestAdminFaults(t *testing.T) {
	_, base := start(t)
	r := do(t, "POST", base+"/_emulator/faults", "",
		`{"provider":"twilio","status":503,"code":"20503","message":"down","retry_after":2,"delay":"1ms","times":2}`)
	require.Equal(t, 204, r.status, r.body)
	for range 2 {
		r = do(t, "GET", base+twilioPath+"agent.json", basicAuth, "")
		assert.Equal(t, 503, r.status)
		assert.Equal(t, "2", r.header.Get("Retry-After"))
		assert.Contains(t, r.body, `"message":"down"`)
	}
	assert.Equal(t, 200, do(t, "GET", base+twilioPath+"agent.json", basicAuth, "").status, "times ran out")

	require.Equal(t, 204, do(t, "POST", base+"/_emulator/faults", "", `{"provider":"texml","malformed":true,"times":-1}`).status)
	assert.Equal(t, `{"account_sid":"`, do(t, "GET", base+texmlPath+"agent", bearerAuth, "").body)
	require.Equal(t, 204, do(t, "DELETE", base+"/_emulator/faults", "", "").status)
	assert.Equal(t, 200, do(t, "GET", base+texmlPath+"agent", bearerAuth, "").status)

	for body, want := range map[string]string{
		`{"provider":"sip","status":500}`:              `unknown provider \"sip\" (want texml or twilio)`,
		`{"provider":"twilio"}`:                        "fault does nothing",
		`{"provider":"twilio","status":99}`:            "status 99",
		`{"provider":"twilio","status":500,"x":1}`:     `unknown field \"x\"`,
		`{"provider":"twilio","delay":"soon"}`:         `delay: invalid duration \"soon\"`,
		`{"provider":"twilio","times":-2,"drop":true}`: "times",
	} {
		r = do(t, "POST", base+"/_emulator/faults", "", body)
		assert.Equal(t, 400, r.status, body)
		assert.Contains(t, r.body, want, body)
	}
}

func TestAdminRequests(t *testing.T) {
	_, base := start(t)
	do(t, "POST", base+twilioPath+"agent.json", basicAuth, "Muted=true&Hold=false")
	do(t, "GET", base+texmlPath+"agent", bearerAuth, "")
	do(t, "GET", base+texmlPath+"agent", texmltest.DemoAPIKey, "")          // no scheme: the key must not leak
	do(t, "GET", base+texmlPath+"agent", texmltest.DemoAPIKey+" extra", "") // its first word is not a scheme
	do(t, "GET", base+texmlPath+"agent", "bearer "+texmltest.DemoAPIKey, "")

	r := do(t, "GET", base+"/_emulator/requests", "", "")
	require.Equal(t, 200, r.status)
	for _, secret := range []string{twiliotest.DemoAuthToken, texmltest.DemoAPIKey, strings.TrimPrefix(basicAuth, "Basic ")} {
		assert.NotContains(t, r.body, secret)
	}
	var reqs []emulator.Request
	require.NoError(t, json.Unmarshal([]byte(r.body), &reqs))
	require.Len(t, reqs, 5)
	// Vendor by vendor, by name: texml's four, then twilio's.
	assert.Equal(t, "Bearer", reqs[0].Auth)
	assert.Equal(t, "(no scheme)", reqs[1].Auth)
	assert.Equal(t, "(unknown scheme)", reqs[2].Auth)
	assert.Equal(t, "Bearer", reqs[3].Auth)
	assert.Equal(t, emulator.Request{Provider: "twilio", Method: "POST", Path: twilioPath + "agent.json", Auth: "Basic",
		ContentType: "application/x-www-form-urlencoded", UserAgent: "Go-http-client/1.1", Body: "Muted=true&Hold=false", Status: 200}, reqs[4])

	r = do(t, "GET", base+"/_emulator/requests?provider=twilio", "", "")
	require.NoError(t, json.Unmarshal([]byte(r.body), &reqs))
	assert.Len(t, reqs, 1)
	assert.Equal(t, 400, do(t, "GET", base+"/_emulator/requests?provider=sip", "", "").status)

	require.Equal(t, 204, do(t, "DELETE", base+"/_emulator/requests", "", "").status)
	assert.Equal(t, "[]\n", do(t, "GET", base+"/_emulator/requests", "", "").body)
}

// TestServeShutsDownGracefully: a request in flight when shutdown starts
// still gets its answer, after its whole delay, and the listener is
// closed. Under synctest over an in-memory listener: the request is in
// flight once every goroutine is blocked (synctest.Wait), not after a
// sleep, and the delay passes on the fake clock.
func TestServeShutsDownGracefully(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
		const delay = 2 * time.Second
		require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Delay: delay}))
		var mn memnet.Network
		ln := mn.Listen("emulator.test:80")
		client := mn.Client()
		defer client.CloseIdleConnections()
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- e.Serve(ctx, ln) }()

		start := time.Now()
		answered := make(chan int, 1)
		go func() { answered <- get(client, "http://emulator.test:80"+twilioPath+"agent.json") }()
		synctest.Wait()
		reqs, _ := e.Requests("twilio")
		require.Len(t, reqs, 1, "the request is in flight")
		cancel()
		assert.Equal(t, 200, <-answered)
		assert.Equal(t, delay, time.Since(start), "answered after its whole delay")
		assert.NoError(t, <-served)
		_, err := mn.Dial(context.Background(), "tcp", "emulator.test:80")
		assert.ErrorIs(t, err, syscall.ECONNREFUSED, "the listener is closed")
	})
}

// get sends an authorized GET and returns the status, or 0 when no
// answer came.
func get(client *http.Client, url string) int {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", basicAuth)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeCutsShortAfterGrace: a request still in flight when the grace
// runs out is cut short, its handler returns, and Serve reports the shutdown
// it was asked for as a clean exit, when the grace ends (synctest's clock).
func TestServeCutsShortAfterGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
		const grace = 100 * time.Millisecond
		e.ShutdownGrace = grace
		require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Delay: 30 * time.Second}))
		var mn memnet.Network
		ln := mn.Listen("emulator.test:80")
		client := mn.Client()
		defer client.CloseIdleConnections()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		served := make(chan error, 1)
		go func() { served <- e.Serve(ctx, ln) }()

		answered := make(chan int, 1)
		go func() { answered <- get(client, "http://emulator.test:80"+twilioPath+"agent.json") }()
		synctest.Wait()
		reqs, _ := e.Requests("twilio")
		require.Len(t, reqs, 1, "the request reaches the fake")

		start := time.Now()
		cancel()
		assert.NoError(t, <-served, "a shutdown asked for is a clean exit")
		assert.Equal(t, grace, time.Since(start), "Serve returns when the grace runs out")
		assert.Zero(t, <-answered, "the delayed request is cut short")
		buf := make([]byte, 1<<20)
		assert.NotContains(t, string(buf[:runtime.Stack(buf, true)]), "vendorfake.(*Server).fault",
			"the handler returned before Serve did")
	})
}

func TestStart(t *testing.T) {
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	base, stop, err := e.Start("127.0.0.1:0")
	require.NoError(t, err)
	assert.Equal(t, 200, do(t, "GET", base+"/_emulator/info", "", "").status)
	stop()
	_, err = http.Get(base + "/_emulator/info")
	assert.Error(t, err)
}

// TestInfoCountsGrownParticipants: the info line's participant count
// includes the participants SeedParticipants added (it used to show the
// two demo participants only).
func TestInfoCountsGrownParticipants(t *testing.T) {
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	require.NoError(t, e.SeedParticipants(50))
	for name, vi := range e.Info("http://127.0.0.1:1") {
		assert.Equal(t, 50, vi.ParticipantCount, name)
		assert.Len(t, vi.Participants, 2, "%s: the demo participants are still named", name)
	}
}
