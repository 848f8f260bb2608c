package emulator_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/providers"
)

// startEndpoints serves a new emulator on n endpoints.
func startEndpoints(t *testing.T, n int) (*emulator.Emulator, []string) {
	t.Helper()
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	var lns []net.Listener
	var bases []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		bases = append(bases, "http://"+ln.Addr().String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait, err := e.StartEndpoints(ctx, lns)
	require.NoError(t, err)
	t.Cleanup(func() { cancel(); require.NoError(t, wait()) })
	return e, bases
}

// TestEndpointsShareState: an update on one endpoint is seen on the other;
// the request log says where each arrived.
func TestEndpointsShareState(t *testing.T) {
	e, bases := startEndpoints(t, 2)
	require.Equal(t, http.StatusOK, do(t, "POST", bases[0]+twilioPath+"agent.json", basicAuth, "Muted=true").status)
	r := do(t, "GET", bases[1]+twilioPath+"agent.json", basicAuth, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `"muted":true`)
	reqs, err := e.Requests("twilio")
	require.NoError(t, err)
	require.Len(t, reqs, 2)
	assert.Equal(t, []int{1, 2}, []int{reqs[0].Endpoint, reqs[1].Endpoint})
	assert.Equal(t, []int{200, 200}, []int{reqs[0].Status, reqs[1].Status})

	var info map[string]emulator.VendorInfo
	require.NoError(t, json.Unmarshal([]byte(do(t, "GET", bases[1]+"/_emulator/info", "", "").body), &info))
	assert.Equal(t, []string{bases[0] + "/v2", bases[1] + "/v2"}, info["texml"].BaseURLs)
}

// TestEndpointFaults: faults by the admin API target one endpoint: a
// status, "accept and never answer", and "refuse connections" until
// cleared.
func TestEndpointFaults(t *testing.T) {
	_, bases := startEndpoints(t, 2)
	fault := func(body string) int {
		return do(t, "POST", bases[1]+"/_emulator/faults", "", body).status
	}
	require.Equal(t, http.StatusNoContent, fault(`{"provider":"twilio","status":503,"endpoint":1,"times":-1}`))
	assert.Equal(t, http.StatusServiceUnavailable, do(t, "GET", bases[0]+twilioPath+"agent.json", basicAuth, "").status)
	assert.Equal(t, http.StatusOK, do(t, "GET", bases[1]+twilioPath+"agent.json", basicAuth, "").status)
	require.Equal(t, http.StatusNoContent, do(t, "DELETE", bases[1]+"/_emulator/faults", "", "").status)

	require.Equal(t, http.StatusNoContent, fault(`{"provider":"texml","hang":true,"endpoint":1}`))
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("GET", bases[0]+texmlPath+"agent", nil)
	req.Header.Set("Authorization", bearerAuth)
	_, err := client.Do(req)
	require.Error(t, err, "the endpoint never answers")
	assert.Equal(t, http.StatusOK, do(t, "GET", bases[0]+texmlPath+"agent", bearerAuth, "").status, "hang was once")

	require.Equal(t, http.StatusNoContent, fault(`{"refuse":true,"endpoint":1}`))
	// A new connection is refused. Not through http.DefaultClient: it may
	// hold an idle connection to endpoint 1 from before the refuse, which
	// the endpoint's shutdown closes only a moment later (the request sent
	// on it was answered 200 in 3 of 200 runs).
	fresh := &http.Transport{}
	defer fresh.CloseIdleConnections()
	_, err = (&http.Client{Transport: fresh}).Get(bases[0] + "/_emulator/info")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Equal(t, http.StatusOK, do(t, "GET", bases[1]+twilioPath+"agent.json", basicAuth, "").status)
	require.Equal(t, http.StatusNoContent, do(t, "DELETE", bases[1]+"/_emulator/faults", "", "").status)
	assert.Equal(t, http.StatusOK, do(t, "GET", bases[0]+twilioPath+"agent.json", basicAuth, "").status, "accepts again")

	for _, bad := range []string{`{"refuse":true}`, `{"refuse":true,"endpoint":3}`, `{"provider":"twilio","refuse":true,"endpoint":1}`,
		`{"provider":"twilio","status":503,"endpoint":3}`} {
		assert.Equal(t, http.StatusBadRequest, fault(bad), bad)
	}
}
