package plivotest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers/plivo/plivotest"
)

// TestFakeKeepsMuteAndDeafAndIsStrict: the verbs set and clear their own
// flag only; paths without Plivo's trailing slash, other methods, other
// media types and bad credentials are refused in Plivo's error shape.
func TestFakeKeepsMuteAndDeafAndIsStrict(t *testing.T) {
	id := plivotest.NewAuthID()
	fake := plivotest.New(plivotest.Config{AuthID: id, AuthToken: "tok"})
	fake.Seed(vendorfake.Participant{Account: id, Conference: "room", CallID: "11"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	base := srv.URL + "/v1/Account/" + id + "/Conference/room/"
	do := func(method, path, body, ctype, token string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.SetBasicAuth(id, token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	const js = "application/json"
	st, _ := do(http.MethodPost, "Member/11/Mute/", "{}", js, "tok")
	assert.Equal(t, http.StatusAccepted, st)
	st, _ = do(http.MethodPost, "Member/11/Deaf/", "{}", js, "tok")
	assert.Equal(t, http.StatusAccepted, st)
	st, _ = do(http.MethodDelete, "Member/11/Mute/", "", "", "tok")
	assert.Equal(t, http.StatusNoContent, st)
	p, _ := fake.Participant(id, "room", "11")
	assert.False(t, p.Muted, "unmuted")
	assert.True(t, p.Hold, "still deaf: each verb has its own flag")
	st, conf := do(http.MethodGet, "", "", "", "tok")
	require.Equal(t, http.StatusOK, st)
	assert.Equal(t, "room", conf["conference_name"])
	assert.Equal(t, "1", conf["conference_member_count"], "counts are strings")
	members := conf["members"].([]any)
	require.Len(t, members, 1)
	assert.Equal(t, map[string]any{"muted": false, "deaf": true, "member_id": "11"},
		map[string]any{"muted": members[0].(map[string]any)["muted"], "deaf": members[0].(map[string]any)["deaf"],
			"member_id": members[0].(map[string]any)["member_id"]})

	for _, tc := range []struct {
		name, method, path, body, ctype, token string
		want                                   int
	}{
		{"NoTrailingSlash", http.MethodPost, "Member/11/Mute", "{}", js, "tok", 404},
		{"UnknownVerb", http.MethodPost, "Member/11/Hold/", "{}", js, "tok", 404},
		{"UnknownMember", http.MethodPost, "Member/99/Mute/", "{}", js, "tok", 404},
		{"Form", http.MethodPost, "Member/11/Mute/", "a=b", "application/x-www-form-urlencoded", "tok", 415},
		{"NotJSON", http.MethodPost, "Member/11/Mute/", "{", js, "tok", 400},
		{"PlayWithoutURL", http.MethodPost, "Member/11/Play/", "{}", js, "tok", 400},
		{"PutMute", http.MethodPut, "Member/11/Mute/", "{}", js, "tok", 405},
		{"BadToken", http.MethodPost, "Member/11/Mute/", "{}", js, "wrong", 401},
	} {
		st, body := do(tc.method, tc.path, tc.body, tc.ctype, tc.token)
		assert.Equal(t, tc.want, st, tc.name)
		assert.NotEmpty(t, body["error"], "%s: Plivo's {api_id, error}", tc.name)
		assert.NotEmpty(t, body["api_id"], tc.name)
	}
	p, _ = fake.Participant(id, "room", "11")
	assert.False(t, p.Muted, "no refused request changed anything")
	st, _ = do(http.MethodDelete, "Member/11/", "", "", "tok")
	assert.Equal(t, http.StatusNoContent, st, "hang-up")
	_, ok := fake.Participant(id, "room", "11")
	assert.False(t, ok)
}

// TestMemberIDsAreUnique: the fake's member ids never repeat within a
// conference's worth and far more (random six-digit ids collided: a
// conference of 200 lost a member about once in 50 runs).
func TestMemberIDsAreUnique(t *testing.T) {
	seen := make(map[string]bool, 100000)
	for range 100000 {
		id := plivotest.NewMemberID()
		require.Len(t, id, 6, id)
		require.False(t, seen[id], "member id %s given twice", id)
		seen[id] = true
	}
}
