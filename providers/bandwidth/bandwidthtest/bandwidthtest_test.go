package bandwidthtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
	"github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
)

const user, pass = "api-user", "api-pass"

type fake struct {
	t     *testing.T
	srv   *bandwidthtest.Server
	url   string
	p     bandwidthtest.Participant
	spec  *spectest.Validator
	path  string
	other string // a member path in another account
}

func start(t *testing.T) *fake {
	account := bandwidthtest.NewAccountID()
	f := &fake{t: t, srv: bandwidthtest.New(bandwidthtest.Config{AccountID: account, Username: user, Password: pass}),
		spec: spectest.Open(t, bandwidth.SpecFile, bandwidth.SpecRoot)}
	var h http.Handler = f.srv
	if f.spec != nil {
		h = f.spec.CheckResponses(t, f.srv)
	}
	hts := httptest.NewServer(h)
	t.Cleanup(hts.Close)
	f.url = hts.URL
	f.p = bandwidthtest.Participant{Account: account, Conference: bandwidthtest.NewConferenceID(), CallID: bandwidthtest.NewCallID()}
	f.srv.Seed(f.p)
	f.path = "/api/v2/accounts/" + account + "/conferences/" + f.p.Conference + "/members/" + f.p.CallID
	f.other = "/api/v2/accounts/1234567/conferences/" + f.p.Conference + "/members/" + f.p.CallID
	return f
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (f *fake) do(method, path, contentType, body string, auth ...[2]string) reply {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	require.NoError(f.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth == nil {
		auth = [][2]string{{user, pass}}
	}
	if auth[0] != [2]string{} {
		req.SetBasicAuth(auth[0][0], auth[0][1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}
}

func (f *fake) put(body string) reply { return f.do(http.MethodPut, f.path, "application/json", body) }

func (f *fake) errorType(r reply) string {
	f.t.Helper()
	var e struct{ Type, Description string }
	require.NoError(f.t, json.Unmarshal(r.body, &e), "body %s", r.body)
	assert.NotEmpty(f.t, e.Description)
	return e.Type
}

func TestMember(t *testing.T) {
	f := start(t)
	r := f.do(http.MethodGet, f.path, "", "")
	require.Equal(t, http.StatusOK, r.status)
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m))
	assert.Equal(t, map[string]any{"callId": f.p.CallID, "conferenceId": f.p.Conference, "mute": false, "hold": false,
		"callIdsToCoach": nil, "memberUrl": "https://voice.bandwidth.com" + f.path}, m)

	coachee := bandwidthtest.NewCallID()
	r = f.put(`{"mute":true,"hold":false,"callIdsToCoach":["` + coachee + `"]}`)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	got, _ := f.srv.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	assert.True(t, got.Muted)
	assert.True(t, got.Coaching)
	assert.Equal(t, coachee, got.CallToCoach)

	assert.Equal(t, http.StatusNoContent, f.put(`{"callIdsToCoach":null}`).status, "null has no effect")
	got, _ = f.srv.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	assert.True(t, got.Coaching)
	assert.Equal(t, http.StatusNoContent, f.put(`{"callIdsToCoach":[]}`).status)
	got, _ = f.srv.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	assert.False(t, got.Coaching)
	assert.True(t, got.Muted, "omitted fields have no effect")
	assert.Equal(t, http.StatusNoContent, f.put(`{"unknown":1}`).status, "unknown keys are ignored")
}

// TestConference: getConference lists the active members at once, in the
// spec's conference shape.
func TestConference(t *testing.T) {
	f := start(t)
	confPath := strings.TrimSuffix(f.path, "/members/"+f.p.CallID)
	second := bandwidthtest.Participant{Account: f.p.Account, Conference: f.p.Conference, CallID: bandwidthtest.NewCallID(), Muted: true}
	f.srv.Seed(second)
	f.srv.Seed(bandwidthtest.Participant{Account: f.p.Account, Conference: f.p.Conference, Status: bandwidthtest.StatusLeft})
	f.srv.Seed(bandwidthtest.Participant{Account: f.p.Account, Conference: bandwidthtest.NewConferenceID()}) // elsewhere

	for _, query := range []string{"", "?PageSize=1&mute=true"} { // no paging, no filters: a query is ignored
		r := f.do(http.MethodGet, confPath+query, "", "")
		require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
		var c struct {
			ID, Name, CreatedTime string
			CompletedTime         *string
			ActiveMembers         []map[string]any
		}
		require.NoError(t, json.Unmarshal(r.body, &c))
		assert.Equal(t, f.p.Conference, c.ID)
		assert.NotEmpty(t, c.CreatedTime)
		assert.Nil(t, c.CompletedTime)
		require.Len(t, c.ActiveMembers, 2, "the members still in the conference, oldest first")
		assert.Equal(t, f.p.CallID, c.ActiveMembers[0]["callId"])
		assert.Equal(t, second.CallID, c.ActiveMembers[1]["callId"])
		assert.Equal(t, true, c.ActiveMembers[1]["mute"])
	}

	empty := bandwidthtest.NewConferenceID()
	f.srv.AddConference(f.p.Account, empty)
	r := f.do(http.MethodGet, strings.TrimSuffix(confPath, f.p.Conference)+empty, "", "")
	require.Equal(t, http.StatusOK, r.status)
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m))
	assert.Equal(t, []any{}, m["activeMembers"], "nobody left: an empty list")

	r = f.do(http.MethodGet, strings.TrimSuffix(confPath, f.p.Conference)+bandwidthtest.NewConferenceID(), "", "")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "not-found", f.errorType(r))
	r = f.do(http.MethodDelete, confPath, "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET", r.header.Get("Allow"))
	assert.Equal(t, http.StatusForbidden, f.do(http.MethodGet, strings.TrimSuffix(f.other, "/members/"+f.p.CallID), "", "").status)
}

func TestErrors(t *testing.T) {
	f := start(t)
	missing := strings.TrimSuffix(f.path, f.p.CallID) + bandwidthtest.NewCallID()
	cases := []struct {
		name   string
		r      reply
		status int
		typ    string
	}{
		{"no auth", f.do(http.MethodGet, f.path, "", "", [2]string{}), 401, "unauthorized"},
		{"bad password", f.do(http.MethodPut, f.path, "application/json", `{"mute":true}`, [2]string{user, "x"}), 401, "unauthorized"},
		{"other account", f.do(http.MethodGet, f.other, "", ""), 403, "forbidden"},
		{"unknown member", f.do(http.MethodGet, missing, "", ""), 404, "not-found"},
		{"label", f.do(http.MethodGet, strings.TrimSuffix(f.path, f.p.CallID)+"agent", "", ""), 404, "not-found"},
		{"POST", f.do(http.MethodPost, f.path, "application/json", `{"mute":true}`), 405, "method-not-allowed"},
		{"form body", f.do(http.MethodPut, f.path, "application/x-www-form-urlencoded", "mute=true"), 415, "unsupported-media-type"},
		{"empty body", f.put(""), 400, "validation"},
		{"not an object", f.put(`[1]`), 400, "validation"},
		{"string mute", f.put(`{"mute":"true"}`), 400, "validation"},
		{"bad coachee", f.put(`{"callIdsToCoach":["CA123"]}`), 400, "validation"},
		{"coachee not a list", f.put(`{"callIdsToCoach":"c-1"}`), 400, "validation"},
		{"too large", f.put(`{"mute":true,"pad":"` + strings.Repeat("x", vendorfake.MaxBody) + `"}`), 413, "request-too-large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.status, c.r.status, "body %s", c.r.body)
			assert.Equal(t, "application/json", c.r.header.Get("Content-Type"))
			assert.Equal(t, c.typ, f.errorType(c.r))
		})
	}
	assert.Equal(t, `Basic realm="Bandwidth"`, cases[0].r.header.Get("WWW-Authenticate"))
	got, _ := f.srv.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	assert.False(t, got.Muted, "no refused request changed the member")

	f.srv.Fail(bandwidthtest.Fault{Status: 429, RetryAfter: "3"})
	r := f.put(`{"mute":true}`)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "3", r.header.Get("Retry-After"))
	assert.Equal(t, "too-many-requests", f.errorType(r))
	if f.spec != nil {
		t.Logf("contract: %d fake responses validated against %s", f.spec.Responses.Load(), bandwidth.SpecFile)
	}
}

func TestIDs(t *testing.T) {
	for re, gen := range map[string]func() string{
		`^99[0-9]{5}$`: bandwidthtest.NewAccountID,
		`^conf-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`: bandwidthtest.NewConferenceID,
		`^c-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`:    bandwidthtest.NewCallID,
	} {
		assert.Regexp(t, regexp.MustCompile(re), gen())
	}
	assert.NotEqual(t, bandwidthtest.NewCallID(), bandwidthtest.NewCallID())
}
