package conformance

import (
	"cmp"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// RunLive runs the live checks (package live) of env.Profile as subtests named by check
// id: a failed check fails its subtest, an NA one skips it. Tests that call
// it against a real endpoint should be opt-in (environment variables) and
// skip without them.
func RunLive(t *testing.T, env live.Env) {
	s, err := live.NewSession(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, c := range s.Checks() {
		t.Run(c.ID, func(t *testing.T) {
			r := s.Run(ctx, c)
			switch r.Status {
			case live.Fail:
				t.Error(r.Detail)
			case live.NA:
				t.Skip(r.Detail)
			default:
				t.Log(r.Detail)
			}
		})
	}
}

// testLiveChecks runs the live checks against the harness's fake, so the
// checks for real endpoints are themselves checked: the full profile with
// a labelled participant and a second one to coach and remove.
func testLiveChecks(t *testing.T, h Harness) {
	f := setup(t, h, providers.Options{})
	label := "live-agent"
	if !f.u.Capabilities().Labels {
		label = ""
	}
	p := f.seed(label)
	second := f.seed("")
	f.reset()
	call := cmp.Or(p.Label, p.CallID)
	env := live.Env{
		Open: func(opts providers.Options) (participant.Updater, error) {
			opts.Retry = fastRetry()
			return f.env.NewUpdater(opts)
		},
		Ref:         participant.Ref{Conference: p.Conference, Call: call},
		Second:      participant.Ref{Conference: second.Conference, Call: second.CallID},
		AllowRemove: true,
	}
	RunLive(t, env)
	stored, _ := f.env.Backend.Participant(p.Account, p.Conference, p.CallID)
	assert.Equal(t, p.Muted, stored.Muted, "the checks restore Muted")
	assert.Equal(t, p.Hold, stored.Hold, "the checks restore Hold")
	assert.Equal(t, p.Coaching, stored.Coaching, "the checks restore Coaching")
	assert.Equal(t, p.EndConferenceOnExit, stored.EndConferenceOnExit, "the checks restore EndConferenceOnExit")
	// Every request but the deliberately invalid one is valid under the spec.
	for _, r := range f.env.Backend.Requests() {
		if f.env.ValidateRequest != nil && !strings.Contains(string(r.Body), "maybe") {
			assert.NoError(t, f.env.ValidateRequest(r), "%s %s", r.Method, r.Path)
		}
	}
	f.env.Backend.ResetRequests()
}
