package conformance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// LiveEnv points the live checks at a real endpoint: a carrier's API, or
// any Twilio- or TeXML-compatible host. Nothing can be seeded or injected
// there, so the checks look only at what live participants show, and undo
// every change they make (except remove, which runs only when allowed).
// The same checks run in Go tests (RunLive) and in carrierctl conformance
// (RunChecks).
type LiveEnv struct {
	// Open opens the adapter, authenticated and pointed at the endpoint,
	// with opts. The checks set opts.HTTPClient to record and count what is
	// sent, and open it a second time with a transport that replaces the
	// secret by a wrong one, for the bad-credentials check.
	Open func(opts providers.Options) (participant.Updater, error)
	// Updater and BadAuth are used when Open is nil; the checks that need
	// the recording transport then fail, saying so.
	Updater, BadAuth participant.Updater

	// Ref is a participant in a live conference. The checks change its
	// state and restore it.
	Ref participant.Ref
	// Missing names no participant in the conference; when empty the
	// checks derive one from Ref's call id, keeping its shape.
	Missing participant.Ref
	// Second is another participant of the conference (optional): the one
	// Coaching coaches, and the one removed when AllowRemove is set.
	Second participant.Ref
	// AllowRemove lets remove.participant take Second out of the
	// conference; it cannot be undone.
	AllowRemove bool

	// Profile selects the checks (zero: full).
	Profile Profile
	// CheckTimeout bounds each check (zero: one minute).
	CheckTimeout time.Duration
	// Transport sends the requests (nil: a clone of http.DefaultTransport).
	Transport http.RoundTripper
	// MaxRetryAfter is the retry policy's cap on Retry-After the adapter
	// was opened with (zero: the default policy's).
	MaxRetryAfter time.Duration

	// ValidateResponse, when set, checks an answer against the vendor's
	// OpenAPI spec; SpecNote names the spec, or says why there is none.
	ValidateResponse func(r Request, status int, header http.Header, body []byte) error
	SpecNote         string
}

// session is one run of the checks against a LiveEnv.
type session struct {
	env    LiveEnv
	u, bad participant.Updater
	caps   participant.Capabilities
	rec    *Recorder // nil without Open
}

func newSession(env LiveEnv) (*session, error) {
	env.Profile = cmp.Or(env.Profile, ProfileFull)
	env.CheckTimeout = cmp.Or(env.CheckTimeout, time.Minute)
	env.MaxRetryAfter = cmp.Or(env.MaxRetryAfter, providers.DefaultRetryPolicy().MaxRetryAfter)
	s := &session{env: env, u: env.Updater, bad: env.BadAuth}
	if env.Open != nil {
		s.rec = NewRecorder(env.Transport)
		var err error
		if s.u, err = env.Open(providers.Options{HTTPClient: &http.Client{Transport: s.rec}}); err != nil {
			return nil, err
		}
		if s.bad, err = env.Open(providers.Options{HTTPClient: &http.Client{
			Transport: wrongCredentials{rec: s.rec, next: s.rec}}}); err != nil {
			return nil, err
		}
	}
	if s.u == nil {
		return nil, errors.New("conformance: LiveEnv needs Open or Updater")
	}
	s.caps = s.u.Capabilities()
	if s.caps.Provider == "" {
		return nil, errors.New("conformance: the adapter's Capabilities has no Provider")
	}
	return s, nil
}

// sent returns how many requests reached the wire so far, or -1 without
// the recorder (the checks then rely on participant.Error.Attempts).
func (s *session) sent() int {
	if s.rec == nil {
		return -1
	}
	return s.rec.Sent()
}

func (s *session) fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	return participant.Fetch(withTag(ctx, func(t *tag) { t.op = "fetch" }), s.u, ref)
}

func (s *session) update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	return s.u.Update(withTag(ctx, func(t *tag) { t.op = "update" }), ref, req)
}

// run runs one check. A core check can never be NA: an NA outcome there
// is a failure.
func (s *session) run(ctx context.Context, c Check) Result {
	r := Result{ID: c.ID, Description: c.Description, Profile: c.Profile}
	if c.na != nil {
		if why := c.na(s.caps); why != "" {
			r.Status, r.Detail = NA, why
			if c.Profile == ProfileCore {
				r.Status = Fail
			}
			return r
		}
	}
	ctx, cancel := context.WithTimeout(withTag(ctx, func(t *tag) { t.check = c.ID }), s.env.CheckTimeout)
	defer cancel()
	sent, start := s.sent(), time.Now()
	detail, err := c.run(ctx, s)
	r.Duration = time.Since(start)
	if s.rec != nil {
		r.Requests = s.sent() - sent
	}
	var n notApplicable
	switch {
	case errors.As(err, &n) && c.Profile != ProfileCore:
		r.Status, r.Detail = NA, n.reason
	case err != nil:
		r.Status, r.Detail = Fail, err.Error()
	default:
		r.Status, r.Detail = Pass, detail
	}
	if s.rec != nil {
		r.Detail = s.rec.Scrub(r.Detail)
	}
	return r
}

// LiveRun is the outcome of RunChecks.
type LiveRun struct {
	Capabilities participant.Capabilities
	Results      []Result
	// Recorder holds every exchange (nil when LiveEnv.Open was nil).
	Recorder *Recorder
}

// RunChecks runs the checks of env.Profile in order and returns their
// results. Its error is only for an environment it cannot start.
func RunChecks(ctx context.Context, env LiveEnv) (*LiveRun, error) {
	s, err := newSession(env)
	if err != nil {
		return nil, err
	}
	run := &LiveRun{Capabilities: s.caps, Recorder: s.rec}
	for _, c := range Checks(s.env.Profile) {
		run.Results = append(run.Results, s.run(ctx, c))
	}
	return run, nil
}

// RunLive runs the live checks of env.Profile as subtests named by check
// id: a failed check fails its subtest, an NA one skips it. Tests that call
// it against a real endpoint should be opt-in (environment variables) and
// skip without them.
func RunLive(t *testing.T, env LiveEnv) {
	s, err := newSession(env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, c := range Checks(s.env.Profile) {
		t.Run(c.ID, func(t *testing.T) {
			r := s.run(ctx, c)
			switch r.Status {
			case Fail:
				t.Error(r.Detail)
			case NA:
				t.Skip(r.Detail)
			default:
				t.Log(r.Detail)
			}
		})
	}
}

// String formats a result as one line.
func (r Result) String() string {
	return fmt.Sprintf("%s %s (%s): %s", r.Status, r.ID, r.Duration.Round(time.Millisecond), r.Detail)
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
	env := LiveEnv{
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
