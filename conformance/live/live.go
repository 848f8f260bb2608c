package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Env points the live checks at a real endpoint: a carrier's API, or
// any Twilio- or TeXML-compatible host. Nothing can be seeded or injected
// there, so the checks look only at what live participants show, and undo
// every change they make (except remove, which runs only when allowed).
// The same checks run in Go tests (conformance.RunLive) and in carrierctl
// conformance (RunChecks).
type Env struct {
	// Open opens the adapter, authenticated and pointed at the endpoint,
	// with opts. The checks set opts.HTTPClient to record and count what is
	// sent, and open it a second time with a transport that replaces the
	// secret by a wrong one, for the bad-credentials check.
	Open func(opts driver.Options) (participant.Updater, error)
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

// Request is the request an answer validated by Env.ValidateResponse was
// for (the same type as conformance.Request).
type Request = record.Request

// Session is one run of the checks against an Env: the adapter opened
// (twice, with the bad-credentials transport) and the recorder.
type Session struct {
	env    Env
	u, bad *carrierkit.Client // the portable client over what Env opened
	caps   participant.Capabilities
	rec    *Recorder // nil without Open
}

// NewSession opens env's adapter. Its error is only for an environment it
// cannot start.
func NewSession(env Env) (*Session, error) {
	env.Profile = cmp.Or(env.Profile, ProfileFull)
	env.CheckTimeout = cmp.Or(env.CheckTimeout, time.Minute)
	env.MaxRetryAfter = cmp.Or(env.MaxRetryAfter, driver.DefaultRetryPolicy().MaxRetryAfter)
	u, bad := env.Updater, env.BadAuth
	s := &Session{env: env}
	if env.Open != nil {
		s.rec = NewRecorder(env.Transport)
		var err error
		if u, err = env.Open(driver.Options{HTTPClient: &http.Client{Transport: s.rec}}); err != nil {
			return nil, err
		}
		if bad, err = env.Open(driver.Options{HTTPClient: &http.Client{
			Transport: wrongCredentials{rec: s.rec, next: s.rec}}}); err != nil {
			return nil, err
		}
	}
	if u == nil {
		return nil, errors.New("live: Env needs Open or Updater")
	}
	s.u = carrierkit.New(u)
	if bad != nil {
		s.bad = carrierkit.New(bad)
	}
	s.caps = s.u.Capabilities()
	if s.caps.Provider == "" {
		return nil, errors.New("live: the adapter's Capabilities has no Provider")
	}
	return s, nil
}

// sent returns how many requests reached the wire so far, or -1 without
// the recorder (the checks then rely on participant.Error.Attempts).
func (s *Session) sent() int {
	if s.rec == nil {
		return -1
	}
	return s.rec.Sent()
}

func (s *Session) fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	return s.u.Fetch(withTag(ctx, func(t *tag) { t.op = "fetch" }), ref)
}

func (s *Session) update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	return s.u.Update(withTag(ctx, func(t *tag) { t.op = "update" }), ref, req)
}

// Recorder returns the session's recorder (nil when Env.Open was nil),
// for a caller that runs the checks one by one and builds its own Run.
func (s *Session) Recorder() *Recorder { return s.rec }

// Capabilities returns the opened adapter's capabilities.
func (s *Session) Capabilities() participant.Capabilities { return s.caps }

// Profile returns the profile the session runs (Env.Profile, or full).
func (s *Session) Profile() Profile { return s.env.Profile }

// Checks returns the checks of the session's profile, in order.
func (s *Session) Checks() []Check { return Checks(s.env.Profile) }

// Run runs one check, bounded by Env.CheckTimeout. A core check can never
// be NA: an NA outcome there is a failure.
func (s *Session) Run(ctx context.Context, c Check) Result {
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

// Run is the outcome of RunChecks.
type Run struct {
	// Profile is the profile run (Env.Profile, or full when it was zero).
	Profile      Profile
	Capabilities participant.Capabilities
	Results      []Result
	// Recorder holds every exchange (nil when Env.Open was nil).
	Recorder *Recorder
}

// RunChecks runs the checks of env.Profile in order and returns their
// results. Its error is only for an environment it cannot start.
func RunChecks(ctx context.Context, env Env) (*Run, error) {
	s, err := NewSession(env)
	if err != nil {
		return nil, err
	}
	run := &Run{Profile: s.env.Profile, Capabilities: s.caps, Recorder: s.rec}
	for _, c := range s.Checks() {
		run.Results = append(run.Results, s.Run(ctx, c))
	}
	return run, nil
}

// String formats a result as one line.
func (r Result) String() string {
	return fmt.Sprintf("%s %s (%s): %s", r.Status, r.ID, r.Duration.Round(time.Millisecond), r.Detail)
}
