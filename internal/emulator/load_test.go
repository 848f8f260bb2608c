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
	for path, labels := range seededLabels(t, base) {
		require.Len(t, labels, 30, path)
		if l := labels[29]; l != nil { // Twilio reports labels
			assert.Equal(t, emulator.GeneratedLabelPrefix+"30", *l)
		}
	}
	require.NoError(t, e.SeedParticipants(10), "below the current size: nothing added")

	// Growing again reaches the new size, with one participant per label.
	require.NoError(t, e.SeedParticipants(40))
	for path, labels := range seededLabels(t, base) {
		assert.Len(t, labels, 40, path)
		seen := map[string]bool{}
		for _, l := range labels {
			if l != nil {
				assert.False(t, seen[*l], "label %s twice", *l)
				seen[*l] = true
			}
		}
	}
}

// seededLabels lists the demo conference on Twilio and TeXML (one page of
// 100) and returns each participant's label (nil where none is reported),
// by list path.
func seededLabels(t *testing.T, base string) map[string][]*string {
	out := map[string][]*string{}
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
		out[path] = []*string{}
		for _, p := range page.Participants {
			out[path] = append(out[path], p.Label)
		}
	}
	return out
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
	assert.JSONEq(t, `{"twilio":{"throttled":1,"peak_in_flight":1},"texml":{"throttled":1,"peak_in_flight":1}}`, r.body)
	require.Equal(t, http.StatusNoContent, do(t, http.MethodDelete, base+emulator.AdminPrefix+"stats", "", "").status)
	r = do(t, http.MethodGet, base+emulator.AdminPrefix+"stats", "", "")
	assert.JSONEq(t, `{"twilio":{"throttled":0,"peak_in_flight":0},"texml":{"throttled":0,"peak_in_flight":0}}`, r.body)
}

// TestPeakInFlight: the emulator counts the most requests of one account
// in flight at once, the number a fleet's shared limit must hold.
func TestPeakInFlight(t *testing.T) {
	e, base := start(t)
	require.NoError(t, e.SetLoad(vendorfake.Load{MaxConcurrent: 10, Latency: 50 * time.Millisecond}))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			assert.Equal(t, http.StatusOK, do(t, http.MethodGet, base+twilioPath+"agent.json", basicAuth, "").status)
		})
	}
	wg.Wait()
	peak := e.Stats()["twilio"].PeakInFlight
	assert.Greater(t, peak, 0)
	assert.LessOrEqual(t, peak, 4)
	e.ResetStats()
	assert.Zero(t, e.Stats()["twilio"].PeakInFlight)
}

// TestAddConference: a conference added through the admin API is listed
// beside the demo one, on the same account.
func TestAddConference(t *testing.T) {
	e, base := start(t)
	conf := vendorfake.HexID("CF")
	body := `{"provider":"twilio","conference":"` + conf + `","participants":3}`
	require.Equal(t, http.StatusNoContent, do(t, http.MethodPost, base+emulator.AdminPrefix+"conferences", "", body).status)
	_ = e
	path := twilioPath[:strings.Index(twilioPath, "/Conferences/")] + "/Conferences/" + conf + "/Participants.json"
	r := do(t, http.MethodGet, base+path, basicAuth, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `"label":"participant-3"`)
	for _, bad := range []string{`{"provider":"nope","conference":"CF1","participants":1}`,
		`{"provider":"twilio","conference":"../x","participants":1}`, `{"provider":"twilio","conference":"CF1","participants":-1}`} {
		assert.Equal(t, http.StatusBadRequest, do(t, http.MethodPost, base+emulator.AdminPrefix+"conferences", "", bad).status, bad)
	}
}
