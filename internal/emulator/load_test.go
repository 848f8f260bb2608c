package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

func TestSeedParticipants(t *testing.T) {
	e, base := start(t)
	require.NoError(t, e.SeedParticipants(30))
	require.Error(t, e.SeedParticipants(-1))
	for path, auth := range map[string]string{
		strings.TrimSuffix(twilioPath, "/") + ".json?PageSize=100": basicAuth,
		strings.TrimSuffix(texmlPath, "/") + "?PageSize=100":       bearerAuth,
	} {
		r := do(t, http.MethodGet, base+path, auth, "")
		require.Equal(t, http.StatusOK, r.status, r.body)
		var page struct {
			Participants []struct {
				CallSID string  `json:"call_sid"`
				Label   *string `json:"label"`
			} `json:"participants"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.body), &page))
		require.Len(t, page.Participants, 30, path)
		if l := page.Participants[29].Label; l != nil { // Twilio reports labels
			assert.Equal(t, emulator.GeneratedLabelPrefix+"30", *l)
		}
	}
	require.NoError(t, e.SeedParticipants(10), "below the current size: nothing added")

	// Growing again reaches the new size, with one participant per label.
	require.NoError(t, e.SeedParticipants(40))
	for path, auth := range map[string]string{
		strings.TrimSuffix(twilioPath, "/") + ".json?PageSize=100": basicAuth,
		strings.TrimSuffix(texmlPath, "/") + "?PageSize=100":       bearerAuth,
	} {
		r := do(t, http.MethodGet, base+path, auth, "")
		require.Equal(t, http.StatusOK, r.status, r.body)
		var page struct {
			Participants []struct {
				Label *string `json:"label"`
			} `json:"participants"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.body), &page))
		assert.Len(t, page.Participants, 40, path)
		labels := map[string]bool{}
		for _, p := range page.Participants {
			if p.Label != nil {
				assert.False(t, labels[*p.Label], "label %s twice", *p.Label)
				labels[*p.Label] = true
			}
		}
	}
}

// TestLoad: past the limit the emulator answers each vendor's 429, and
// /_emulator/stats counts them.
func TestLoad(t *testing.T) {
	e, base := start(t)
	require.Error(t, e.SetLoad(vendorfake.Load{MaxConcurrent: -1}))
	require.NoError(t, e.SetLoad(vendorfake.Load{MaxConcurrent: 1, Latency: 300 * time.Millisecond}))
	for _, v := range []struct{ name, path, auth, code string }{
		{"twilio", twilioPath + "agent.json", basicAuth, `"code":20429`},
		{"texml", texmlPath + "agent", bearerAuth, `"code":"10011"`},
	} {
		var wg sync.WaitGroup
		wg.Go(func() { assert.Equal(t, http.StatusOK, do(t, http.MethodGet, base+v.path, v.auth, "").status) })
		require.Eventually(t, func() bool {
			reqs, _ := e.Requests(v.name)
			return len(reqs) >= 1
		}, 5*time.Second, time.Millisecond)
		time.Sleep(20 * time.Millisecond)
		r := do(t, http.MethodGet, base+v.path, v.auth, "")
		assert.Equal(t, http.StatusTooManyRequests, r.status, v.name)
		assert.Contains(t, r.body, v.code)
		wg.Wait()
		e.ResetRequests()
	}
	r := do(t, http.MethodGet, base+emulator.AdminPrefix+"stats", "", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"twilio":{"throttled":1},"texml":{"throttled":1}}`, r.body)
}
