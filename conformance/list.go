package conformance

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// manyParticipants is more than a carrier's default page (Telnyx: 20), so
// a list takes several pages whether or not the carrier takes a page size.
const manyParticipants = 45

// listPageSize is the page size the list cases ask for.
const listPageSize = 20

// conferenceAdder is a Backend that can hold a conference with no
// participants (fake.Server can).
type conferenceAdder interface {
	AddConference(account, conference string)
}

// seedConference seeds n participants in the fixture's conference (after
// f.p), labelled p0, p1, …, and returns them in order.
func (f *fixture) seedConference(n int) []Participant {
	ps := make([]Participant, n)
	for i := range ps {
		p := f.env.NewParticipant()
		p.Conference, p.Label = f.p.Conference, "p"+strconv.Itoa(i)
		p.Muted = i%3 == 0
		f.env.Backend.Seed(p)
		ps[i] = p
	}
	return ps
}

// skipUnless refuses op through its helper when the capabilities leave it
// out (ErrUnsupported, nothing sent), then skips the case.
func (f *fixture) skipUnless(op participant.Op) {
	f.t.Helper()
	if f.u.Capabilities().Can(op) {
		return
	}
	f.reset()
	var err error
	switch op {
	case participant.OpList:
		for _, e := range f.u.List(context.Background(), f.ref.ConferenceRef(), participant.ListOptions{}) {
			err = e
		}
	case participant.OpRemove:
		err = f.u.Remove(context.Background(), f.ref)
	}
	f.refused(err, participant.CodeUnsupported, "")
	f.t.Skipf("the adapter's capabilities leave out %v", op)
}

func (f *fixture) listAll(ctx context.Context, opts participant.ListOptions) ([]*participant.Participant, error) {
	var out []*participant.Participant
	for p, err := range f.u.List(ctx, f.ref.ConferenceRef(), opts) {
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

func testList(t *testing.T, h Harness) {
	t.Run("SeveralPages", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		ps := append([]Participant{f.p}, f.seedConference(manyParticipants-1)...)
		other := f.seed("") // another conference: not listed
		f.reset()
		got, err := f.listAll(context.Background(), participant.ListOptions{PageSize: listPageSize})
		require.NoError(t, err)
		require.Len(t, got, len(ps))
		for i, p := range got {
			assert.Equal(t, ps[i].CallID, p.CallID, "everyone once, in the carrier's order")
			assert.Equal(t, f.c.Provider, p.Provider)
			assert.Equal(t, f.p.Conference, p.ConferenceID)
			if f.reads(participant.FieldMuted) {
				assert.Equal(t, ps[i].Muted, p.Muted)
			}
			assert.NotEqual(t, other.CallID, p.CallID)
		}
		checkMapped(t, f.c, ps[1], got[1])
		reqs := f.env.Backend.Requests()
		if f.c.SinglePageList {
			assert.Len(t, reqs, 1, "the carrier answers everyone at once")
		} else {
			assert.GreaterOrEqual(t, len(reqs), 3, "%d participants, %d a page: several pages", len(ps), listPageSize)
		}
		for _, r := range reqs {
			if f.c.wire() {
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Empty(t, r.Body)
				f.checkAuth(r)
			}
		}
	})
	t.Run("Filters", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		ps := f.seedConference(9) // p0, p3, p6 muted
		if !f.reads(participant.FieldMuted) {
			f.reset()
			_, err := f.listAll(context.Background(), participant.ListOptions{Muted: participant.Bool(true)})
			f.refused(err, participant.CodeUnsupported, "ListOptions.Muted")
			t.Skip("the carrier does not report Muted: a list cannot filter on it")
		}
		got, err := f.listAll(context.Background(), participant.ListOptions{Muted: participant.Bool(true)})
		require.NoError(t, err)
		var calls []string
		for _, p := range got {
			assert.True(t, p.Muted)
			calls = append(calls, p.CallID)
		}
		assert.Equal(t, []string{ps[0].CallID, ps[3].CallID, ps[6].CallID}, calls)
		got, err = f.listAll(context.Background(), participant.ListOptions{Muted: participant.Bool(false), Hold: participant.Bool(false)})
		require.NoError(t, err)
		assert.Len(t, got, 7, "f.p and the six unmuted")
	})
	t.Run("EmptyConference", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		empty := f.env.NewParticipant().Conference
		switch a, ok := f.env.Backend.(conferenceAdder); {
		case ok:
			a.AddConference(f.p.Account, empty)
		case f.u.Capabilities().Can(participant.OpRemove):
			empty = f.p.Conference
			require.NoError(t, f.u.Remove(context.Background(), f.ref))
		default:
			t.Skip("the backend cannot hold an empty conference")
		}
		f.reset()
		var n int
		for p, err := range f.u.List(context.Background(), participant.ConferenceRef{Conference: empty}, participant.ListOptions{}) {
			require.NoError(t, err)
			n++
			_ = p
		}
		assert.Zero(t, n)
		assert.Len(t, f.env.Backend.Requests(), 1)
	})
	t.Run("ConferenceNotFound", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		missing := participant.ConferenceRef{Conference: f.env.NewParticipant().Conference}
		var errs []error
		for p, err := range f.u.List(context.Background(), missing, participant.ListOptions{}) {
			assert.Nil(t, p)
			errs = append(errs, err)
		}
		if f.c.ListFilters {
			assert.Empty(t, errs, "a list filtered on an unknown conference is empty")
			return
		}
		require.Len(t, errs, 1, "one error ends the sequence")
		if !f.c.wire() {
			assert.ErrorIs(t, errs[0], participant.ErrNotFound)
			return
		}
		vendorFailure(t, f.c, errs[0], http.StatusNotFound, participant.CodeNotFound)
	})
	t.Run("StopEarly", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		f.seedConference(manyParticipants)
		f.reset()
		n := 0
		for _, err := range f.u.List(context.Background(), f.ref.ConferenceRef(), participant.ListOptions{PageSize: listPageSize}) {
			require.NoError(t, err)
			n++
			break
		}
		assert.Equal(t, 1, n, "the first participant came")
		assert.Len(t, f.env.Backend.Requests(), 1, "no page is fetched after the caller stops")
	})
	t.Run("CanceledBetweenPages", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		if f.c.SinglePageList {
			t.Skip("the carrier answers a list in one page: nothing lies between pages")
		}
		f.seedConference(manyParticipants)
		f.reset()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var n int
		var last error
		for p, err := range f.u.List(ctx, f.ref.ConferenceRef(), participant.ListOptions{PageSize: listPageSize}) {
			if err != nil {
				last = err
				break
			}
			require.NotNil(t, p)
			n++
			cancel() // during the first page
		}
		assert.ErrorIs(t, last, participant.ErrCanceled)
		assert.ErrorIs(t, last, context.Canceled)
		assert.Less(t, n, manyParticipants)
		assert.Len(t, f.env.Backend.Requests(), 1, "no page is fetched after the cancel")
	})
	t.Run("InvalidConference", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpList)
		f.reset()
		var errs []error
		for p, err := range f.u.List(context.Background(), participant.ConferenceRef{}, participant.ListOptions{}) {
			assert.Nil(t, p)
			errs = append(errs, err)
		}
		require.Len(t, errs, 1, "one error ends the sequence")
		f.refused(errs[0], participant.CodeInvalidArgument, "Ref.Conference")
	})
}

func testRemove(t *testing.T, h Harness) {
	t.Run("RemoveTwice", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpRemove)
		other := f.seed("")
		f.reset()
		require.NoError(t, f.u.Remove(context.Background(), f.ref))
		_, ok := f.env.Backend.Participant(f.p.Account, f.p.Conference, f.p.CallID)
		assert.False(t, ok, "removed")
		_, ok = f.env.Backend.Participant(other.Account, other.Conference, other.CallID)
		assert.True(t, ok, "only that one")
		reqs := f.env.Backend.Requests()
		require.Len(t, reqs, 1)
		if !f.c.wire() {
			assert.ErrorIs(t, f.u.Remove(context.Background(), f.ref), participant.ErrNotFound, "removing twice")
			return
		}
		require.NotNil(t, f.c.Remove.Path, "Contract.Remove: the carrier can remove")
		if f.c.RemoveBody.JSON == "" && f.c.RemoveBody.Form == nil {
			assert.Equal(t, http.MethodDelete, reqs[0].Method)
		}
		f.checkStep(reqs[0], Step{Name: "remove", RequestContract: f.c.Remove, Body: f.c.RemoveBody},
			f.p.Account, f.p.Conference, f.p.CallID)

		err := f.u.Remove(context.Background(), f.ref)
		vendorFailure(t, f.c, err, http.StatusNotFound, participant.CodeNotFound)
	})
	t.Run("ByLabel", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpRemove)
		if !f.u.Capabilities().Labels {
			t.Skip("the carrier addresses participants by call id only")
		}
		p := f.seed("agent/7")
		require.NoError(t, f.u.Remove(context.Background(), participant.Ref{Conference: p.Conference, Call: "agent/7"}))
		_, ok := f.env.Backend.Participant(p.Account, p.Conference, p.CallID)
		assert.False(t, ok)
	})
	t.Run("Refused", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.skipUnless(participant.OpRemove)
		f.reset()
		err := f.u.Remove(context.Background(), participant.Ref{Conference: f.p.Conference})
		f.refused(err, participant.CodeInvalidArgument, "Ref.Call")
	})
}

// testUpdateMany mutes a conference but one participant through the batch
// package, in the carrier's own pages.
func testUpdateMany(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	f.skipUnless(participant.OpList)
	agent := f.env.NewParticipant()
	agent.Conference, agent.Label = f.p.Conference, "agent"
	f.env.Backend.Seed(agent)
	ps := f.seedConference(manyParticipants)
	f.reset()
	except := agent.Label
	if !f.u.Capabilities().Labels {
		except = agent.CallID // the carrier addresses participants by call id only
	}
	filter := batch.NotMuted()
	if !f.reads(participant.FieldMuted) {
		filter = nil // the carrier does not report mute state: everyone is sent the update
	}
	rs, err := batch.UpdateAll(context.Background(), f.u, f.ref.ConferenceRef(), participant.UpdateRequest{Muted: participant.Bool(true)},
		batch.Options{Except: []string{except}, Filter: filter, Concurrency: 8, List: participant.ListOptions{PageSize: listPageSize}})
	require.NoError(t, err)
	assert.Empty(t, batch.Failed(rs))
	wantUpdated := 1 // f.p
	for _, p := range ps {
		if !p.Muted || filter == nil {
			wantUpdated++
		}
	}
	assert.Len(t, rs, wantUpdated, "the unmuted, less the agent")
	for _, p := range append(ps, f.p) {
		stored, ok := f.env.Backend.Participant(p.Account, p.Conference, p.CallID)
		require.True(t, ok)
		assert.True(t, stored.Muted, p.Label)
	}
	stored, _ := f.env.Backend.Participant(agent.Account, agent.Conference, agent.CallID)
	assert.False(t, stored.Muted, "the agent is left as is")
	for _, r := range f.env.Backend.Requests() {
		if !f.c.wire() {
			break // the stored state above says it
		}
		for _, s := range f.c.plan(participant.UpdateRequest{Muted: participant.Bool(true)}, agent) {
			if r.Method == s.Method {
				assert.NotEqual(t, s.Path(agent.Account, agent.Conference, agent.CallID), r.Path, "nothing sent to the agent")
			}
		}
	}
}
