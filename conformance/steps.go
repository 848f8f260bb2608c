package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// testStepFaults runs, for a carrier whose update can be several calls
// (Contract.Steps), every update of the supported fields that takes two
// calls or more, with each call after the first failing in turn (a 5xx, a
// 429, a connection closed without an answer) once the calls before it
// went through. Each row checks the calls on the wire, what the error
// reports (Applied: the fields the calls before applied; Step: the failed
// call; Delivery: how far the rest got), that the backend holds exactly
// the applied fields, and what a router or a batch then sends:
// req.Without(Applied), whose calls must repeat none that completed an
// applied field (save an idempotent one whose state the carrier cannot
// read, as Vonage's hold mutes again), and nothing at all when the rest may have been acted on
// and is not idempotent (an announcement that may have played). Each row
// runs again through package batch (…/Batch), which must do just that.
func testStepFaults(t *testing.T, h Harness) {
	c := h.Contract()
	if c.Steps == nil {
		t.Skip("every update of this carrier is one call")
	}
	T, F := participant.Bool(true), participant.Bool(false)
	announce := participant.String("https://x.example/announce.mp3")
	candidates := []participant.UpdateRequest{
		{Muted: T, Hold: T, AnnounceURL: announce}, {Hold: T}, {Muted: T, AnnounceURL: announce},
		{Hold: T, AnnounceURL: announce}, {Hold: F}, {Muted: F, Hold: F}, {Muted: T, Hold: F},
		{Muted: F, Hold: T}, {Muted: F, Hold: T, AnnounceURL: announce},
	}
	faults := []struct {
		name     string
		fault    Fault
		code     participant.Code
		delivery participant.Delivery
	}{
		{"500", Fault{Status: http.StatusInternalServerError}, participant.CodeUnavailable, participant.DeliveryMaybe},
		{"429", Fault{Status: http.StatusTooManyRequests}, participant.CodeRateLimited, participant.DeliveryAnswered},
		{"Reset", Fault{Drop: true}, participant.CodeUnavailable, participant.DeliveryMaybe},
	}
	rows := 0
	for _, req := range candidates {
		if req.Fields()&^c.Fields != 0 {
			continue
		}
		before := startFor(req)
		steps := c.plan(req, before)
		for k, s := range steps {
			if k == 0 || s.Method == http.MethodGet || writes(steps[:k]) == 0 {
				continue // the first call, or a read: not a step that fails after another applied
			}
			for _, fc := range faults {
				rows++
				name := fmt.Sprintf("%s/%s_fails_after_%s/%s", req.Fields(), s.Name, steps[k-1].Name, fc.name)
				t.Run(name, func(t *testing.T) {
					runStepFault(t, h, req, before, steps, k, fc.fault, fc.code, fc.delivery)
				})
				t.Run(name+"/Batch", func(t *testing.T) { runStepFaultBatch(t, h, req, before, steps, k, fc.fault) })
			}
		}
	}
	t.Logf("%d step fault rows", rows)
}

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// startFor is the participant's state before req: held for a request
// that unholds, else neither muted nor held.
func startFor(req participant.UpdateRequest) Participant {
	var p Participant
	if req.Hold != nil && !*req.Hold {
		p.Muted, p.Hold = true, true
	}
	return p
}

func writes(steps []Step) int {
	n := 0
	for _, s := range steps {
		if s.Method != http.MethodGet {
			n++
		}
	}
	return n
}

func runStepFault(t *testing.T, h Harness, req participant.UpdateRequest, start Participant, steps []Step, k int,
	fault Fault, code participant.Code, delivery participant.Delivery) {
	f := setup(t, h, driver.Options{Retry: noRetry()})
	p := f.p
	p.Muted, p.Hold = start.Muted, start.Hold
	f.env.Backend.Seed(p)
	f.reset()
	var applied participant.FieldSet
	for _, s := range steps[:k] {
		f.env.Backend.Fail(passOne) // goes through
		applied |= s.Fields
	}
	f.env.Backend.Fail(fault)
	_, err := f.u.Update(context.Background(), f.ref, req)
	require.Error(t, err)
	assert.ErrorIs(t, err, code)
	pe, ok := err.(*participant.Error)
	require.True(t, ok, "%T", err)
	assert.Equal(t, steps[k].Name, pe.Step, "the failed call: %v", err)
	assert.Equal(t, applied, pe.Applied, "the fields the calls before applied: %v", err)
	assert.Equal(t, delivery, pe.Delivery, "how far the rest got: %v", err)
	reqs := f.env.Backend.Requests()
	require.Len(t, reqs, k+1, "the calls up to the failed one, nothing after it")
	for i, s := range steps[:k+1] {
		f.checkStep(reqs[i], s, f.p.Account, f.ref.Conference, f.ref.Call)
	}
	stored := f.stored()
	if applied.Has(participant.FieldMuted) {
		assert.Equal(t, *req.Muted, stored.Muted, "Muted applied")
	}
	if applied.Has(participant.FieldHold) {
		assert.Equal(t, *req.Hold, stored.Hold, "Hold applied")
	}
	if !applied.Has(participant.FieldAnnounceURL) && fault.Status == http.StatusTooManyRequests {
		assert.Empty(t, stored.AnnounceURL, "an announcement answered 429 did not play")
	}

	// What a router or a batch sends next.
	rest := req.Without(pe.Applied)
	f.reset()
	if applied != 0 {
		assert.Contains(t, err.Error(), "applied "+applied.String(), "the error line says what was applied")
	}
	if pe.Delivery == participant.DeliveryMaybe && !rest.Idempotent() {
		// The rest holds an announcement and may have been acted on: it is
		// never sent again (also when only an earlier call of the rest is
		// in doubt: one Delivery speaks for all of the rest).
		return
	}
	now := f.stored()
	_, err = f.u.Update(context.Background(), f.ref, rest)
	require.NoError(t, err, "sending the rest, %s", rest.Fields())
	again := f.env.Backend.Requests()
	restSteps := f.c.plan(rest, now)
	require.Len(t, again, f.c.afterUpdate(rest, now), "the rest is %s", stepNames(restSteps))
	for i, s := range restSteps {
		f.checkStep(again[i], s, f.p.Account, f.ref.Conference, f.ref.Call)
	}
	f.notRepeated(steps[:k], again)
	final := f.stored()
	if req.Muted != nil {
		assert.Equal(t, *req.Muted, final.Muted, "Muted in the end")
	}
	if req.Hold != nil {
		assert.Equal(t, *req.Hold, final.Hold, "Hold in the end")
	}
}

// notRepeated checks that no call in sent repeats a call of done that
// completed an applied field: an announcement never, an idempotent call
// unless the carrier cannot read the state that would let it skip the
// call (Vonage repeats a hold's mute).
func (f *fixture) notRepeated(done []Step, sent []Request) {
	caps := f.u.Capabilities()
	for _, d := range done {
		if d.Fields == 0 || !d.Fields.Has(participant.FieldAnnounceURL) && d.Fields&^caps.Readable != 0 {
			continue
		}
		for _, r := range sent {
			same := r.Method == d.Method && r.Path == d.Path(f.p.Account, f.ref.Conference, f.ref.Call) &&
				(d.Body.JSON == "" || jsonEqual(d.Body.JSON, string(r.Body)))
			assert.False(f.t, same, "the call %s completed %s, applied: it is not sent again", d.Name, d.Fields)
		}
	}
}

// runStepFaultBatch is the same row through package batch over the
// participant's conference (it holds no one else): the batch sends the
// rest after a 429 and nothing after an ambiguous failure, and never
// again a call that completed an applied field the carrier can read, nor
// an announcement.
func runStepFaultBatch(t *testing.T, h Harness, req participant.UpdateRequest, start Participant, steps []Step, k int,
	fault Fault) {
	f := setup(t, h, driver.Options{Retry: noRetry()})
	f.skipUnless(participant.OpList)
	p := f.p
	p.Muted, p.Hold = start.Muted, start.Hold
	f.env.Backend.Seed(p)
	f.reset()
	f.env.Backend.Fail(passOne) // the listing
	for range steps[:k] {
		f.env.Backend.Fail(passOne)
	}
	if fault.Status == http.StatusTooManyRequests {
		fault.RetryAfter = "0"
	}
	f.env.Backend.Fail(fault)
	rs, err := batch.UpdateAll(context.Background(), f.u, f.ref.ConferenceRef(), req, batch.Options{Concurrency: 1})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	reqs := f.env.Backend.Requests()
	require.Greater(t, len(reqs), k+1)
	after := reqs[k+2:] // the listing, the calls up to the failed one
	announced := 0
	for _, r := range reqs {
		if req.AnnounceURL != nil && strings.Contains(string(r.Body), *req.AnnounceURL) &&
			r.Status != http.StatusTooManyRequests { // a 429 is not processed: sending it again is right
			announced++
		}
	}
	assert.LessOrEqual(t, announced, 1, "the announcement is played once at most")
	if fault.Status != http.StatusTooManyRequests {
		assert.Error(t, rs[0].Err, "an ambiguous failure is not retried by the batch")
		assert.Empty(t, after, "nothing sent after the failed call")
		return
	}
	require.NoError(t, rs[0].Err, "the batch sends the rest after the 429")
	assert.Equal(t, 1, rs[0].RateLimited)
	f.notRepeated(steps[:k], after)
	final := f.stored()
	if req.Muted != nil {
		assert.Equal(t, *req.Muted, final.Muted, "Muted in the end")
	}
	if req.Hold != nil {
		assert.Equal(t, *req.Hold, final.Hold, "Hold in the end")
	}
}
