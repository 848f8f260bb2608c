package plivo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/plivo"
	"github.com/carrierkit/carrierkit/providers/plivo/plivotest"
	"github.com/carrierkit/carrierkit/providers/router"
)

// onEmulator is the Plivo adapter against the emulator's Plivo fake, with
// its demo conference.
func onEmulator(t *testing.T, retry ...driver.RetryPolicy) (*carrierkit.Client, *emulator.Vendor) {
	t.Helper()
	pol := driver.RetryPolicy{MaxRetries: 0}
	if len(retry) > 0 {
		pol = retry[0]
	}
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	v, err := e.Vendor(plivo.Name)
	require.NoError(t, err)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	c, err := plivo.New(plivo.Config{AuthID: v.Account, AuthToken: v.Credentials[plivo.EnvAuthToken], BaseURL: srv.URL + "/v1",
		Options: driver.Options{Retry: &pol}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c, v
}

// calls lists the requests as "METHOD verb" (the path after the member, or
// "conference"), in order.
func calls(reqs []vendorfake.Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		_, after, found := strings.Cut(r.Path, "/Member/")
		switch {
		case !found:
			out[i] = r.Method + " conference"
		default:
			_, verb, _ := strings.Cut(strings.TrimSuffix(after, "/"), "/")
			out[i] = r.Method + " " + verb
		}
	}
	return out
}

var (
	agent    = participant.Ref{Conference: plivotest.DemoConference, Call: plivotest.DemoAgentMember}
	announce = "https://example.com/welcome.mp3"
	full     = participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true),
		AnnounceURL: participant.String(announce)}
)

func TestMutedHoldAnnounceIsMuteDeafPlay(t *testing.T) {
	c, v := onEmulator(t)
	p, err := c.Update(context.Background(), agent, full)
	require.NoError(t, err)
	assert.Equal(t, []string{"POST Mute", "POST Deaf", "POST Play", "GET conference"}, calls(v.Server.Requests()),
		"mute before deaf, Play last, then the read-back")
	assert.True(t, p.Muted)
	assert.True(t, p.Hold)
	stored, _ := v.Server.Participant(v.Account, v.Conference, plivotest.DemoAgentMember)
	assert.Equal(t, announce, stored.AnnounceURL)
}

func TestPlayAnswered500SaysMutedAndHoldApplied(t *testing.T) {
	c, v := onEmulator(t)
	v.Server.Fail(vendorfake.Fault{Delay: time.Nanosecond, Times: 2}) // mute, deaf
	v.Server.Fail(vendorfake.Fault{Status: http.StatusInternalServerError})
	_, err := c.Update(context.Background(), agent, full)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, participant.NewFieldSet(participant.FieldMuted, participant.FieldHold), pe.Applied)
	assert.Equal(t, "play", pe.Step)
	assert.Equal(t, participant.DeliveryMaybe, pe.Delivery, "the announcement may have played")
	assert.Contains(t, err.Error(), "applied Muted, Hold before step play failed; AnnounceURL may have been applied")
	assert.Equal(t, []string{"POST Mute", "POST Deaf", "POST Play"}, calls(v.Server.Requests()))
	rest := full.Without(pe.Applied)
	assert.False(t, rest.Idempotent(), "what is left is the announcement, which is never sent again after a maybe")

	// A batch over the same member and fault sends Play once, never again.
	v.Server.ResetRequests()
	v.Server.Fail(vendorfake.Fault{Delay: time.Nanosecond, Times: 3}) // the list, mute, deaf
	v.Server.Fail(vendorfake.Fault{Status: http.StatusInternalServerError})
	rs, err := batch.UpdateAll(context.Background(), c, solo(v), full, batch.Options{Concurrency: 1})
	require.NoError(t, err)
	require.Len(t, batch.Failed(rs), 1)
	plays := 0
	for _, r := range calls(v.Server.Requests()) {
		if r == "POST Play" {
			plays++
		}
	}
	assert.Equal(t, 1, plays, "the announcement is not sent again: %v", calls(v.Server.Requests()))
}

// TestDeaf429BatchSendsDeafAndPlayOnly: deaf answered 429 after mute went
// through; the batch waits out the limiter and sends what was not applied,
// Hold and the announcement, and never mutes again (the batch sends
// req.Without(pe.Applied) after a 429).
func TestDeaf429BatchSendsDeafAndPlayOnly(t *testing.T) {
	c, v := onEmulator(t)
	v.Server.Fail(vendorfake.Fault{Delay: time.Nanosecond, Times: 2}) // the list, mute
	v.Server.Fail(vendorfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
	rs, err := batch.UpdateAll(context.Background(), c, solo(v), full, batch.Options{Concurrency: 1})
	require.NoError(t, err)
	require.Empty(t, batch.Failed(rs))
	require.Len(t, rs, 1)
	assert.Equal(t, 1, rs[0].RateLimited, "the 429 held the limiter back once")
	got := calls(v.Server.Requests())
	// The listing (GET conference), then the calls and the read-backs.
	var writes []string
	for _, r := range got {
		if !strings.HasPrefix(r, "GET") {
			writes = append(writes, r)
		}
	}
	assert.Equal(t, []string{"POST Mute", "POST Deaf", "POST Deaf", "POST Play"}, writes,
		"deaf and play sent again, never mute: %v", got)
	stored, _ := v.Server.Participant(v.Account, "solo", soloMember)
	assert.True(t, stored.Muted)
	assert.True(t, stored.Hold)
	assert.Equal(t, announce, stored.AnnounceURL)
}

const soloMember = "2001"

// solo seeds a conference of one member, for a batch.
func solo(v *emulator.Vendor) participant.ConferenceRef {
	v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: "solo", CallID: soloMember})
	return participant.ConferenceRef{Conference: "solo"}
}

func TestRestAfterDeaf429ReadsFirstAndSkipsMute(t *testing.T) {
	c, v := onEmulator(t)
	v.Server.Fail(vendorfake.Fault{Delay: time.Nanosecond}) // mute
	v.Server.Fail(vendorfake.Fault{Status: http.StatusTooManyRequests})
	_, err := c.Update(context.Background(), agent, full)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, participant.ErrRateLimited)
	assert.Equal(t, participant.NewFieldSet(participant.FieldMuted), pe.Applied)
	assert.Equal(t, "deaf", pe.Step)
	assert.Equal(t, participant.DeliveryAnswered, pe.Delivery)
	v.Server.ResetRequests()
	_, err = c.Update(context.Background(), agent, full.Without(pe.Applied))
	require.NoError(t, err)
	assert.Equal(t, []string{"GET conference", "POST Deaf", "POST Play", "GET conference"}, calls(v.Server.Requests()),
		"the member is read first: muted already, so only deaf and play")
}

func TestUnholdUnmutesUnlessMutedIsKept(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   participant.UpdateRequest
		calls []string
		muted bool
	}{
		{"Unhold", participant.UpdateRequest{Hold: participant.Bool(false)},
			[]string{"DELETE Deaf", "DELETE Mute", "GET conference"}, false},
		{"UnholdStayMuted", participant.UpdateRequest{Hold: participant.Bool(false), Muted: participant.Bool(true)},
			[]string{"DELETE Deaf", "POST Mute", "GET conference"}, true},
		{"HoldAlreadyMuted", participant.UpdateRequest{Hold: participant.Bool(true)},
			[]string{"GET conference", "POST Deaf", "GET conference"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, v := onEmulator(t)
			v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: v.Conference, CallID: plivotest.DemoAgentMember,
				Muted: true, Hold: tc.req.Hold != nil && !*tc.req.Hold})
			p, err := c.Update(context.Background(), agent, tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.calls, calls(v.Server.Requests()))
			assert.Equal(t, tc.muted, p.Muted)
			assert.Equal(t, *tc.req.Hold, p.Hold)
		})
	}
}

// TestAnyTwoHundredIsSuccess: Plivo's docs show 204 with a body and a
// member_id that is a string or a list; the adapter reads no step answer.
func TestAnyTwoHundredIsSuccess(t *testing.T) {
	for _, f := range []vendorfake.Fault{
		{Status: 202, Body: `{"message":"muted","member_id":"1001","api_id":"x"}`},
		{Status: 200, Body: `{"message":"muted","member_id":["1001","1002"]}`},
		{Status: 201, Body: `[u'1001']`},
		{Status: 204, Body: `{"message":"muted"}`}, // the server drops a 204's body
	} {
		c, v := onEmulator(t)
		v.Server.Fail(f)
		_, err := c.Update(context.Background(), agent, participant.UpdateRequest{Muted: participant.Bool(true)})
		assert.NoError(t, err, "HTTP %d %s", f.Status, f.Body)
	}
}

func TestRefusedFieldsNameTheFieldAndSendNothing(t *testing.T) {
	c, v := onEmulator(t)
	for _, tc := range []struct {
		req   participant.UpdateRequest
		field string
		code  participant.Code
	}{
		{participant.UpdateRequest{HoldURL: participant.String("https://example.com/h.mp3")}, "HoldURL", participant.CodeUnsupported},
		{participant.UpdateRequest{WaitURL: participant.String("")}, "WaitURL", participant.CodeUnsupported},
		{participant.UpdateRequest{BeepOnExit: participant.Bool(true)}, "BeepOnExit", participant.CodeUnsupported},
		{participant.UpdateRequest{EndConferenceOnExit: participant.Bool(true)}, "EndConferenceOnExit", participant.CodeUnsupported},
		{participant.UpdateRequest{Coaching: participant.Bool(false)}, "Coaching", participant.CodeUnsupported},
		{participant.UpdateRequest{AnnounceURL: participant.String(announce), AnnounceMethod: participant.MethodGET}, "AnnounceMethod", participant.CodeUnsupported},
		{participant.UpdateRequest{AnnounceURL: participant.String("https://example.com/say.xml")}, "AnnounceURL", participant.CodeInvalidArgument},
	} {
		_, err := c.Update(context.Background(), agent, tc.req)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, tc.code, pe.Code, tc.field)
		assert.Equal(t, tc.field, pe.Field)
	}
	assert.Empty(t, v.Server.Requests(), "nothing sent")
}

func TestOpenerReadsTokenFromEnvironment(t *testing.T) {
	t.Setenv(plivo.EnvAuthToken, "tok-from-env")
	u, err := providers.Open(context.Background(), "plivo://?account=MAXXXXXXXXXXXXXXXXXX")
	require.NoError(t, err)
	assert.Equal(t, plivo.Name, u.Capabilities().Provider)
	assert.True(t, u.Capabilities().HoldMutes)
	assert.Equal(t, participant.NewFieldSet(participant.FieldMuted, participant.FieldHold), u.Capabilities().Readable)
	_, err = providers.Open(context.Background(), "plivo://?account=nope")
	assert.ErrorContains(t, err, "account")
	t.Setenv(plivo.EnvAuthToken, "")
	_, err = providers.Open(context.Background(), "plivo://?account=MAXXXXXXXXXXXXXXXXXX")
	assert.ErrorContains(t, err, plivo.EnvAuthToken)
	cfg := plivo.Config{AuthID: "MAXXXXXXXXXXXXXXXXXX", AuthToken: "s3cret"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, cfg), "s3cret", verb)
	}
}

// TestLoadLimitAnswers429 runs the emulator's per-account limit of one
// request in flight: with one request held, the next is answered 429 in
// Plivo's shape, which the adapter reports as rate limited and which holds
// a batch's shared limiter back.
func TestLoadLimitAnswers429(t *testing.T) {
	c, v := onEmulator(t)
	v.Server.SetLoad(vendorfake.Load{MaxConcurrent: 1})
	v.Server.Fail(vendorfake.Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Update(ctx, agent, participant.UpdateRequest{Muted: participant.Bool(true)})
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); len(v.Server.Requests()) == 0; {
		require.True(t, time.Now().Before(deadline), "the held request never arrived")
		time.Sleep(time.Millisecond)
	}
	_, err := c.Update(context.Background(), participant.Ref{Conference: agent.Conference, Call: plivotest.DemoCustomerMember},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	cancel()
	<-done
	assert.ErrorIs(t, err, participant.ErrRateLimited)
	var e *plivo.APIError
	assert.ErrorAs(t, err, &e, "Plivo's error body")
	assert.Equal(t, int64(1), v.Server.Throttled())
	assert.True(t, batch.NewLimiter(2).Observe(err), "a Plivo 429 holds the shared limiter back")
}

// TestRouterSendsOnlyTheRest: a router over two endpoints of one Plivo
// account. The first endpoint fails deaf after mute went through; the
// router sends only what was not applied, on the other endpoint, which
// reads the member first and so never mutes again.
// twoEndpoints is a router over two endpoints of one Plivo fake holding
// the agent.
func twoEndpoints(t *testing.T) (*router.Router, *fake.Server) {
	t.Helper()
	fake := plivotest.New(plivotest.Config{AuthID: plivotest.DemoAuthID, AuthToken: plivotest.DemoAuthToken})
	fake.Seed(vendorfake.Participant{Account: plivotest.DemoAuthID, Conference: agent.Conference, CallID: agent.Call})
	var eps []router.Endpoint
	for n := 1; n <= 2; n++ {
		srv := httptest.NewServer(vendorfake.ForEndpoint(fake, n))
		t.Cleanup(srv.Close)
		c, err := plivo.New(plivo.Config{AuthID: plivotest.DemoAuthID, AuthToken: plivotest.DemoAuthToken,
			BaseURL: srv.URL + "/v1", Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		eps = append(eps, router.Endpoint{Driver: c})
	}
	r, err := router.New(router.Options{}, router.Carrier{Name: "plivo", Endpoints: eps})
	require.NoError(t, err)
	return r, fake
}

// writesByEndpoint lists the fake's writes as "endpoint METHOD verb".
func writesByEndpoint(fake *fake.Server) []string {
	var writes []string
	for i, c := range calls(fake.Requests()) {
		if !strings.HasPrefix(c, "GET") {
			writes = append(writes, fmt.Sprint(fake.Requests()[i].Endpoint)+" "+c)
		}
	}
	return writes
}

func TestRouterSendsOnlyTheRest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    participant.UpdateRequest
		fault  vendorfake.Fault
		writes []string // by endpoint and call
	}{
		{"Deaf503", muteHoldReq, vendorfake.Fault{Endpoint: 1, Status: http.StatusServiceUnavailable, Times: -1},
			[]string{"1 POST Mute", "1 POST Deaf", "2 POST Deaf"}},
		{"Deaf429WithAnnouncement", full, vendorfake.Fault{Endpoint: 1, Status: http.StatusTooManyRequests, RetryAfter: "0", Times: -1},
			[]string{"1 POST Mute", "1 POST Deaf", "2 POST Deaf", "2 POST Play"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, fake := twoEndpoints(t)
			fake.Fail(vendorfake.Fault{Endpoint: 1, Delay: time.Nanosecond}) // mute goes through
			fake.Fail(tc.fault)
			p, err := r.Client().Update(context.Background(), agent, tc.req)
			require.NoError(t, err)
			assert.True(t, p.Muted && p.Hold)
			writes := writesByEndpoint(fake)
			assert.Equal(t, tc.writes, writes, "never mute again")
		})
	}
}

var muteHoldReq = participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true)}

// TestReadFirstFailureIsNotSent: a hold without Muted reads the member
// first; when that read fails, even ambiguously (a 503, a reset), nothing
// of the update was sent, and the error says so: a router then moves on
// to the next endpoint, announcement included.
func TestReadFirstFailureIsNotSent(t *testing.T) {
	hold := participant.UpdateRequest{Hold: participant.Bool(true), AnnounceURL: participant.String(announce)}
	for name, fault := range map[string]vendorfake.Fault{"503": {Status: http.StatusServiceUnavailable}, "Reset": {Drop: true}} {
		t.Run(name, func(t *testing.T) {
			c, v := onEmulator(t)
			v.Server.Fail(fault)
			_, err := c.Update(context.Background(), agent, hold)
			require.Error(t, err)
			assert.Equal(t, []string{"GET conference"}, calls(v.Server.Requests()))
			assert.Equal(t, participant.DeliveryNotSent, participant.DeliveryOf(err), "%v", err)
		})
	}
	t.Run("Router", func(t *testing.T) {
		r, fake := twoEndpoints(t)
		fake.Fail(vendorfake.Fault{Endpoint: 1, Status: http.StatusServiceUnavailable, Times: -1})
		_, err := r.Client().Update(context.Background(), agent, hold)
		require.NoError(t, err, "the read failed on endpoint 1, nothing was sent there: endpoint 2 does it all")
		writes := writesByEndpoint(fake)
		assert.Equal(t, []string{"2 POST Mute", "2 POST Deaf", "2 POST Play"}, writes)
	})
}

// TestReadFirstSpendsThePlanBudget: the read before a hold is part of the
// update, so its retries come out of the update's one retry budget, and
// the error counts its requests.
func TestReadFirstSpendsThePlanBudget(t *testing.T) {
	c, v := onEmulator(t, driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Millisecond, WaitMax: time.Millisecond})
	v.Server.Fail(vendorfake.Fault{Status: http.StatusServiceUnavailable, Times: 2}) // the read, twice
	v.Server.Fail(vendorfake.Fault{Delay: time.Nanosecond})                          // the read
	v.Server.Fail(vendorfake.Fault{Status: http.StatusServiceUnavailable})           // mute: no retry left
	_, err := c.Update(context.Background(), agent, participant.UpdateRequest{Hold: participant.Bool(true)})
	require.Error(t, err)
	assert.Equal(t, []string{"GET conference", "GET conference", "GET conference", "POST Mute"}, calls(v.Server.Requests()),
		"1+2 requests for the read, then the update's steps get the retries left: none")
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 4, pe.Attempts, "every request of the update, the read included")
}
