package bandwidth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
	"github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
)

// serve runs a fake with one seeded member; base is the API root.
func serve(t *testing.T) (fake *bandwidthtest.Server, base string, p bandwidthtest.Participant) {
	account := bandwidthtest.NewAccountID()
	fake = bandwidthtest.New(bandwidthtest.Config{AccountID: account, Username: testUser, Password: testPassword})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p = bandwidthtest.Participant{Account: account, Conference: bandwidthtest.NewConferenceID(), CallID: bandwidthtest.NewCallID()}
	fake.Seed(p)
	return fake, srv.URL + bandwidthtest.PathPrefix, p
}

// start runs a fake with one seeded member and returns a client for it.
func start(t *testing.T) (*carrierkit.Client, *bandwidthtest.Server, participant.Ref) {
	fake, base, p := serve(t)
	c, err := bandwidth.New(bandwidth.Config{AccountID: p.Account, Username: testUser, Password: testPassword,
		BaseURL: base, Options: driver.Options{Retry: &driver.RetryPolicy{}}})
	require.NoError(t, err)
	return c, fake, participant.Ref{Conference: p.Conference, Call: p.CallID}
}

// TestCoaching: how Coaching and CallToCoach become callIdsToCoach.
func TestCoaching(t *testing.T) {
	coachee := bandwidthtest.NewCallID()
	cases := []struct {
		name  string
		req   participant.UpdateRequest
		body  string // "" : refused
		field string
	}{
		{"CoachingWithCall", participant.UpdateRequest{Coaching: participant.Bool(true), CallToCoach: &coachee},
			`{"callIdsToCoach":["` + coachee + `"]}`, ""},
		{"CallAlone", participant.UpdateRequest{CallToCoach: &coachee}, `{"callIdsToCoach":["` + coachee + `"]}`, ""},
		{"StopCoaching", participant.UpdateRequest{Coaching: participant.Bool(false)}, `{"callIdsToCoach":[]}`, ""},
		{"StopWithCall", participant.UpdateRequest{Coaching: participant.Bool(false), CallToCoach: &coachee}, "", "CallToCoach"},
		{"CoachingAlone", participant.UpdateRequest{Coaching: participant.Bool(true)}, "", "Coaching"},
		{"CallNotBandwidth", participant.UpdateRequest{CallToCoach: participant.String("CA0123")}, "", "CallToCoach"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, fake, ref := start(t)
			p, err := c.Update(context.Background(), ref, tc.req)
			if tc.body == "" {
				assert.ErrorIs(t, err, participant.ErrInvalidArgument)
				var pe *participant.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, tc.field, pe.Field)
				assert.Empty(t, fake.Requests(), "nothing sent")
				return
			}
			require.NoError(t, err)
			reqs := fake.Requests()
			require.Len(t, reqs, 2)
			assert.JSONEq(t, tc.body, string(reqs[0].Body))
			assert.Equal(t, tc.req.CallToCoach != nil, p.Coaching)
			if p.Coaching {
				assert.Equal(t, coachee, p.CallToCoach)
			}
		})
	}
}

func TestUnsupportedFields(t *testing.T) {
	c, fake, ref := start(t)
	for _, f := range participant.AllFields() {
		if c.Capabilities().Supports(f) {
			continue
		}
		var req participant.UpdateRequest
		switch f {
		case participant.FieldBeepOnExit:
			req.BeepOnExit = participant.Bool(false)
		case participant.FieldEndConferenceOnExit:
			req.EndConferenceOnExit = participant.Bool(false)
		case participant.FieldHoldURL:
			req.HoldURL = participant.String("https://x.example/h.mp3")
		case participant.FieldAnnounceURL:
			req.AnnounceURL = participant.String("https://x.example/a.mp3")
		case participant.FieldWaitURL:
			req.WaitURL = participant.String("")
		case participant.FieldHoldMethod:
			req.HoldMethod = participant.MethodGET
		case participant.FieldAnnounceMethod:
			req.AnnounceMethod = participant.MethodGET
		case participant.FieldWaitMethod:
			req.WaitMethod = participant.MethodGET
		}
		req.Muted = participant.Bool(true)
		_, err := c.Update(context.Background(), ref, req)
		assert.ErrorIs(t, err, participant.ErrUnsupported, "%v", f)
		assert.Contains(t, fmt.Sprint(err), f.String())
	}
	assert.Empty(t, fake.Requests())
	caps := c.Capabilities()
	assert.Equal(t, "Muted, Hold, Coaching, CallToCoach", caps.Fields.String())
	assert.False(t, caps.Labels)
	assert.True(t, caps.Can(participant.OpFetch))
}

func TestConfigRedacted(t *testing.T) {
	cfg := bandwidth.Config{AccountID: "9900000", Username: "u", Password: testPassword}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, cfg), testPassword, verb)
	}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.NotContains(t, string(b), testPassword)
	o := bandwidth.URLOpener{Password: testPassword}
	assert.NotContains(t, fmt.Sprintf("%+v %#v", o, o), testPassword)
}

func TestNewChecks(t *testing.T) {
	for field, cfg := range map[string]bandwidth.Config{
		"AccountID": {AccountID: "AC123", Username: "u", Password: "p"},
		"Username":  {AccountID: "1", Password: "p"},
		"Password":  {AccountID: "1", Username: "u"},
		"BaseURL":   {AccountID: "1", Username: "u", Password: "p", BaseURL: "voice.bandwidth.com"},
		// Waits with MaxRetries 0 would never be used: refused, not ignored.
		"Retry.MaxRetries": {AccountID: "1", Username: "u", Password: "p",
			Options: driver.Options{Retry: &driver.RetryPolicy{WaitMin: time.Second}}},
	} {
		_, err := bandwidth.New(cfg)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe, field)
		assert.Equal(t, field, pe.Field)
		assert.Equal(t, participant.Op("config"), pe.Op)
		assert.Equal(t, bandwidth.Name, pe.Provider)
	}
	c, err := bandwidth.New(bandwidth.Config{AccountID: "9900000", Username: "u", Password: "p"})
	require.NoError(t, err)
	assert.Equal(t, bandwidth.DefaultBaseURL, baseURL(t, c))
}

// TestLive runs the live checks against a real Bandwidth account, or any
// compatible endpoint (CARRIERKIT_LIVE_BANDWIDTH_BASE_URL). It is opt-in:
// it changes the member's state and restores it. With
// CARRIERKIT_LIVE_BANDWIDTH_CALL2 (a second member) it runs the full
// profile, else the core one.
func TestLive(t *testing.T) {
	conformance.RunLiveFromEnv(t, "CARRIERKIT_LIVE_BANDWIDTH_", []string{"USERNAME", "PASSWORD", "ACCOUNT"},
		func(get func(string) string, opts driver.Options) (participant.Updater, error) {
			return bandwidth.New(bandwidth.Config{AccountID: get("ACCOUNT"), Username: get("USERNAME"),
				Password: get("PASSWORD"), BaseURL: get("BASE_URL"), Options: opts})
		})
}

// FuzzAnswers: whatever Bandwidth (or a proxy) answers, to the PUT and to
// its read-back, the adapter returns a participant or a *participant.Error.
func FuzzAnswers(f *testing.F) {
	conformance.FuzzAnswers(f, func(opts driver.Options) (participant.Updater, error) {
		return bandwidth.New(bandwidth.Config{AccountID: "9900000", Username: "u", Password: "p",
			BaseURL: "http://carrier.invalid", Options: opts})
	}, participant.Ref{Conference: "conf-fe23a767-a75a5b77-20c5-4cca-b581-cbbf0776eca9", Call: "c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85"},
		`{"callId":"c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85","conferenceId":"conf-fe23a767-a75a5b77-20c5-4cca-b581-cbbf0776eca9","mute":true,"hold":false,"callIdsToCoach":null}`,
		`{"type":"validation","description":"Invalid answerUrl: only http and https are allowed.","id":null}`)
}

func listAll(t *testing.T, c *carrierkit.Client, conf string, opts participant.ListOptions) ([]*participant.Participant, error) {
	t.Helper()
	var out []*participant.Participant
	for p, err := range c.List(context.Background(), participant.ConferenceRef{Conference: conf}, opts) {
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

// TestList: one getConference, no query whatever the options, the
// filters applied to the active members, and Remove refused.
func TestList(t *testing.T) {
	c, fake, ref := start(t)
	member, err := c.Fetch(context.Background(), ref)
	require.NoError(t, err)
	account := member.AccountID
	fake.Seed(bandwidthtest.Participant{Account: account, Conference: ref.Conference, Muted: true})
	fake.Seed(bandwidthtest.Participant{Account: account, Conference: ref.Conference, Status: bandwidthtest.StatusLeft})
	fake.ResetRequests()

	got, err := listAll(t, c, ref.Conference, participant.ListOptions{PageSize: 1, Muted: participant.Bool(true)})
	require.NoError(t, err)
	require.Len(t, got, 1, "the muted active member only")
	assert.True(t, got[0].Muted)
	assert.Equal(t, ref.Conference, got[0].ConferenceID)
	assert.Equal(t, account, got[0].AccountID)
	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, bandwidthtest.PathPrefix+"/accounts/"+account+"/conferences/"+ref.Conference, reqs[0].Path)
	assert.Empty(t, reqs[0].RawQuery, "Bandwidth takes no page size and no filter")

	got, err = listAll(t, c, ref.Conference, participant.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, got, 2, "the member who left is not listed")

	err = c.Remove(context.Background(), ref)
	assert.ErrorIs(t, err, participant.ErrUnsupported)
	assert.False(t, c.Capabilities().Can(participant.OpRemove))
}

// TestListAnswers: what the adapter makes of getConference answers the fake
// does not give. The spec makes activeMembers nullable.
func TestListAnswers(t *testing.T) {
	conf, call := bandwidthtest.NewConferenceID(), bandwidthtest.NewCallID()
	cases := []struct {
		name, body string
		n          int
		err        bool
	}{
		{"NullMembers", `{"id":"` + conf + `","activeMembers":null}`, 0, false},
		{"NoMembers", `{"id":"` + conf + `","completedTime":"2022-06-17T22:20:00.000Z"}`, 0, false},
		{"OneMember", `{"id":"` + conf + `","activeMembers":[{"callId":"` + call + `","mute":true}]}`, 1, false},
		{"NotAConference", `{}`, 0, true},
		{"Null", `null`, 0, true},
		{"MemberWithoutCall", `{"id":"` + conf + `","activeMembers":[{}]}`, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c, err := bandwidth.New(bandwidth.Config{AccountID: "9900000", Username: testUser, Password: testPassword,
				BaseURL: srv.URL})
			require.NoError(t, err)
			got, err := listAll(t, c, conf, participant.ListOptions{})
			if tc.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, tc.n)
			if tc.n > 0 {
				assert.Equal(t, call, got[0].CallID)
				assert.True(t, got[0].Muted)
				assert.Equal(t, conf, got[0].ConferenceID, "filled from the request")
			}
		})
	}
}

// TestReadBackFailureSaysApplied: Bandwidth answers an update 204, so the
// adapter reads the member back. When that read is rate limited, the
// error keeps the 429's code but says the update was applied (Applied),
// so no caller takes the 429 for "not processed" and sends it again.
func TestReadBackFailureSaysApplied(t *testing.T) {
	account := bandwidthtest.NewAccountID()
	fake := bandwidthtest.New(bandwidthtest.Config{AccountID: account, Username: testUser, Password: testPassword})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"type":"rate-limit","description":"Too many requests","id":null}`))
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p := bandwidthtest.Participant{Account: account, Conference: bandwidthtest.NewConferenceID(), CallID: bandwidthtest.NewCallID()}
	fake.Seed(p)
	c, err := bandwidth.New(bandwidth.Config{AccountID: account, Username: testUser, Password: testPassword,
		BaseURL: srv.URL + bandwidthtest.PathPrefix, Options: driver.Options{Retry: &driver.RetryPolicy{}}})
	require.NoError(t, err)

	_, err = c.Update(context.Background(), participant.Ref{Conference: p.Conference, Call: p.CallID},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	require.ErrorIs(t, err, participant.ErrRateLimited)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, participant.DeliveryApplied, pe.Delivery, "the PUT was answered 204")
	assert.Equal(t, participant.NewFieldSet(participant.FieldMuted), pe.Applied)
	assert.Equal(t, 2, pe.Attempts, "the PUT and the read-back")
	assert.Contains(t, pe.Error(), "the update was applied")
	stored, ok := fake.Participant(account, p.Conference, p.CallID)
	require.True(t, ok)
	assert.True(t, stored.Muted)

	// Any other failure, and any other operation, is not Applied.
	_, err = c.Fetch(context.Background(), participant.Ref{Conference: p.Conference, Call: p.CallID})
	require.ErrorAs(t, err, &pe)
	assert.NotEqual(t, participant.DeliveryApplied, pe.Delivery)
}

// TestReadBackRetriedUnderABatch: under a batch, which takes its updates'
// 429s to its shared limiter (participant.WithRateLimitsHandled), the
// update itself is the batch's to send again, but a read-back answered 429
// after the update was applied is still retried in place: handing it back
// would turn an applied update into a failed result that nothing may send
// again.
func TestReadBackRetriedUnderABatch(t *testing.T) {
	account := bandwidthtest.NewAccountID()
	fake := bandwidthtest.New(bandwidthtest.Config{AccountID: account, Username: testUser, Password: testPassword})
	var gets, puts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			puts.Add(1)
		case http.MethodGet:
			if gets.Add(1) == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"type":"rate-limit","description":"Too many requests","id":null}`))
				return
			}
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p := bandwidthtest.Participant{Account: account, Conference: bandwidthtest.NewConferenceID(), CallID: bandwidthtest.NewCallID()}
	fake.Seed(p)
	c, err := bandwidth.New(bandwidth.Config{AccountID: account, Username: testUser, Password: testPassword,
		BaseURL: srv.URL + bandwidthtest.PathPrefix})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	ctx := participant.WithRateLimitsHandled(context.Background())
	got, err := c.Update(ctx, participant.Ref{Conference: p.Conference, Call: p.CallID},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	require.NoError(t, err)
	assert.True(t, got.Muted)
	assert.EqualValues(t, 1, puts.Load(), "the update was sent once")
	assert.EqualValues(t, 2, gets.Load(), "the read-back answered 429, then read again in place")
}

// baseURL is the API root u sends to, reached through As.
func baseURL(t *testing.T, u participant.Updater) string {
	var d *httpdriver.Driver
	require.True(t, u.(*carrierkit.Client).As(&d), "As(**httpdriver.Driver)")
	return d.BaseURL()
}
