package conformance

import (
	"cmp"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
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

// RunLiveFromEnv is the opt-in live test of an adapter: RunLive against
// the participant that environment variables name, or a skip that names
// every variable to set when one is missing. The variables are prefix
// plus CONFERENCE and CALL (the participant the checks change and
// restore), each of required (the adapter's credentials), and optionally
// CALL2 (a second participant: the full profile instead of the core one).
// open builds the adapter; get reads prefix plus a name, so open can also
// take optional ones such as BASE_URL.
func RunLiveFromEnv(t *testing.T, prefix string, required []string,
	open func(get func(name string) string, opts driver.Options) (participant.Updater, error)) {
	t.Helper()
	get := func(name string) string { return os.Getenv(prefix + name) }
	need := append(append([]string(nil), required...), "CONFERENCE", "CALL")
	for _, name := range need {
		if get(name) == "" {
			t.Skipf("set %s%s (and optionally %sCALL2, and the adapter's optional ones such as %sBASE_URL) to run",
				prefix, strings.Join(need, ", _"), prefix, prefix)
		}
	}
	conference := get("CONFERENCE")
	env := live.Env{
		Open:    func(opts driver.Options) (participant.Updater, error) { return open(get, opts) },
		Ref:     participant.Ref{Conference: conference, Call: get("CALL")},
		Profile: live.ProfileCore,
	}
	if call2 := get("CALL2"); call2 != "" {
		env.Second, env.Profile = participant.Ref{Conference: conference, Call: call2}, live.ProfileFull
	}
	RunLive(t, env)
}

// testLiveChecks runs the live checks against the harness's fake, so the
// checks for real endpoints are themselves checked: the full profile with
// a labelled participant and a second one to coach and remove.
func testLiveChecks(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	label := "live-agent"
	if !f.u.Capabilities().Labels {
		label = ""
	}
	p := f.seed(label)
	second := f.seed("")
	f.reset()
	call := cmp.Or(p.Label, p.CallID)
	env := live.Env{
		Open: func(opts driver.Options) (participant.Updater, error) {
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
