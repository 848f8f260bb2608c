package live_test

import (
	"context"
	"iter"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// withOps gives an adapter list and remove over the fake's store, to run
// the checks that go by Capabilities.Ops before any adapter has them.
type withOps struct {
	*carrierkit.Client
	srv          *fake.Server
	account      string
	calls        []string
	repeatPage   bool // a broken pager: the first participant twice
	removeIgnore bool // a broken remove: nothing happens
}

func (w *withOps) Capabilities() participant.Capabilities {
	c := w.Client.Capabilities()
	c.Ops |= participant.NewOpSet(participant.OpList, participant.OpRemove)
	return c
}

func (w *withOps) List(ctx context.Context, conf participant.ConferenceRef, _ participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		calls := w.calls
		if w.repeatPage {
			calls = append([]string{calls[0]}, calls...)
		}
		for _, c := range calls {
			p, err := w.Fetch(ctx, conf.Participant(c))
			if !yield(p, err) || err != nil {
				return
			}
		}
	}
}

func (w *withOps) Remove(_ context.Context, ref participant.Ref) error {
	if w.removeIgnore {
		return nil
	}
	p, ok := w.srv.Participant(w.account, ref.Conference, ref.Call)
	if !ok {
		return participant.ErrNotFound
	}
	p.Status = "complete"
	w.srv.Seed(p)
	return nil
}

func runWithOps(t *testing.T, tweak func(*withOps)) map[string]live.Result {
	account, token := twiliotest.NewAccountSID(), "token0123456789"
	srv := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: token})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	conf := twiliotest.NewConferenceSID()
	agent, second := twiliotest.NewCallSID(), twiliotest.NewCallSID()
	srv.Seed(vendorfake.Participant{Account: account, Conference: conf, CallID: agent, Label: "agent"})
	srv.Seed(vendorfake.Participant{Account: account, Conference: conf, CallID: second})
	env := live.Env{
		Open: func(opts driver.Options) (participant.Updater, error) {
			c, err := twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: hs.URL, Options: opts})
			if err != nil {
				return nil, err
			}
			w := &withOps{Client: c, srv: srv, account: account, calls: []string{agent, second}}
			tweak(w)
			return w, nil
		},
		Ref:         participant.Ref{Conference: conf, Call: "agent"},
		Second:      participant.Ref{Conference: conf, Call: second},
		AllowRemove: true,
	}
	run, err := live.RunChecks(context.Background(), env)
	require.NoError(t, err)
	out := map[string]live.Result{}
	for _, r := range run.Results {
		out[r.ID] = r
	}
	return out
}

func TestListAndRemoveGoByCapabilities(t *testing.T) {
	res := runWithOps(t, func(*withOps) {})
	assert.Equal(t, live.Pass, res["list.participants"].Status, res["list.participants"].Detail)
	assert.Equal(t, live.Pass, res["remove.participant"].Status, res["remove.participant"].Detail)

	res = runWithOps(t, func(w *withOps) { w.repeatPage = true })
	assert.Equal(t, live.Fail, res["list.participants"].Status)
	assert.Contains(t, res["list.participants"].Detail, "paging repeats")

	res = runWithOps(t, func(w *withOps) { w.removeIgnore = true })
	assert.Equal(t, live.Fail, res["remove.participant"].Status)
}

// noFetch hides Fetch from the capabilities: a core check is then a
// failure, never NA.
type noFetch struct{ *carrierkit.Client }

func (n noFetch) Capabilities() participant.Capabilities {
	c := n.Client.Capabilities()
	c.Ops = 0
	return c
}

func TestCoreChecksAreNeverNA(t *testing.T) {
	account := twiliotest.NewAccountSID()
	srv := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: "t0ken"})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	conf, call := twiliotest.NewConferenceSID(), twiliotest.NewCallSID()
	srv.Seed(vendorfake.Participant{Account: account, Conference: conf, CallID: call})
	run, err := live.RunChecks(context.Background(), live.Env{
		Open: func(opts driver.Options) (participant.Updater, error) {
			c, err := twilio.New(twilio.Config{AccountSID: account, AuthToken: "t0ken", BaseURL: hs.URL, Options: opts})
			return noFetch{c}, err
		},
		Ref:     participant.Ref{Conference: conf, Call: call},
		Profile: live.ProfileCore,
	})
	require.NoError(t, err)
	require.Len(t, run.Results, len(live.Checks(live.ProfileCore)))
	for _, r := range run.Results {
		assert.NotEqual(t, live.NA, r.Status, "%s", r)
	}
	assert.Equal(t, live.Fail, run.Results[0].Status, "core.fetch.mapping without fetch")
}
