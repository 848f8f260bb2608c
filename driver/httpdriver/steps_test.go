package httpdriver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// stepServer records "METHOD path" and answers 204, or the status of fail
// for the path it names.
type stepServer struct {
	mu    sync.Mutex
	seen  []string
	fail  map[string]int
	auths []string
}

func (s *stepServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, r.Method+" "+r.URL.Path)
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	if st := s.fail[r.URL.Path]; st != 0 {
		w.WriteHeader(st)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func op(method, verb string) *httpdriver.Operation {
	return &httpdriver.Operation{Method: method, Path: httpdriver.MustPath("/c/{conference}/m/{call}/" + verb)}
}

// plannedClient is a carrier whose plan lists the steps in the wrong
// order on purpose: audio first, the exposing call before the safe one.
func plannedClient(t *testing.T, srv *httptest.Server, authorize httpdriver.AuthorizeFunc, pol ...driver.RetryPolicy) *carrierkit.Client {
	t.Helper()
	M, H, A := participant.NewFieldSet(participant.FieldMuted), participant.NewFieldSet(participant.FieldHold),
		participant.NewFieldSet(participant.FieldAnnounceURL)
	d := &httpdriver.Dialect{
		Provider: "verbs",
		Wire: map[participant.Field]string{participant.FieldMuted: "mute", participant.FieldHold: "deaf",
			participant.FieldAnnounceURL: "play"},
		Plan: func(req *participant.UpdateRequest, _ *participant.Participant, steps []httpdriver.Step) []httpdriver.Step {
			if req.AnnounceURL != nil {
				steps = append(steps, httpdriver.Step{Name: "play", Op: op(http.MethodPost, "play"), Fields: A}) // Phase left zero
			}
			if req.Hold != nil {
				steps = append(steps, httpdriver.Step{Name: "deaf", Op: op(http.MethodPost, "deaf"), Fields: H, Phase: httpdriver.PhaseExposing})
			}
			if req.Muted != nil {
				steps = append(steps, httpdriver.Step{Name: "mute", Op: op(http.MethodPost, "mute"), Fields: M, Phase: httpdriver.PhaseSafe})
			}
			return steps
		},
		NoReadBack:  true,
		DecodeError: func([]byte) (string, string, error) { return "", "", nil },
	}
	retry := &driver.RetryPolicy{MaxRetries: 0}
	if len(pol) > 0 {
		retry = &pol[0]
	}
	cfg := httpdriver.Config{BaseURL: srv.URL, Account: "a", Authorization: "Static x", Authorize: authorize,
		HTTP: driver.Options{Retry: retry}}
	c := carrierkit.New(httpdriver.New(d, cfg))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var all = participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true),
	AnnounceURL: participant.String("https://x.example/a.mp3")}

func TestPlanRunsInSafeOrder(t *testing.T) {
	s := &stepServer{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	n := 0
	c := plannedClient(t, srv, func() (string, error) { n++; return "Bearer t" + string(rune('0'+n)), nil })
	p, err := c.Update(context.Background(), participant.Ref{Conference: "c1", Call: "m1"}, all)
	require.NoError(t, err)
	assert.Equal(t, []string{"POST /c/c1/m/m1/mute", "POST /c/c1/m/m1/deaf", "POST /c/c1/m/m1/play"}, s.seen,
		"safe, then exposing, then audio (a step carrying AnnounceURL is audio whatever its phase)")
	assert.Equal(t, []string{"Bearer t1", "Bearer t2", "Bearer t3"}, s.auths, "a token minted per request")
	assert.True(t, p.Muted && p.Hold, "no read-back: the participant as set")
	assert.Equal(t, "m1", p.CallID)
	assert.Equal(t, participant.FieldSet(0), c.Capabilities().Readable&participant.NewFieldSet(participant.FieldMuted),
		"no Fetch, nothing readable")
}

func TestStepFailureReportsAppliedAndStep(t *testing.T) {
	for _, tc := range []struct {
		fail     string
		status   int
		applied  participant.FieldSet
		step     string
		delivery participant.Delivery
	}{
		{"/c/c1/m/m1/deaf", 429, participant.NewFieldSet(participant.FieldMuted), "deaf", participant.DeliveryAnswered},
		{"/c/c1/m/m1/play", 500, participant.NewFieldSet(participant.FieldMuted, participant.FieldHold), "play", participant.DeliveryMaybe},
		{"/c/c1/m/m1/mute", 503, 0, "mute", participant.DeliveryMaybe},
	} {
		t.Run(tc.step, func(t *testing.T) {
			s := &stepServer{fail: map[string]int{tc.fail: tc.status}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := plannedClient(t, srv, nil)
			_, err := c.Update(context.Background(), participant.Ref{Conference: "c1", Call: "m1"}, all)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.applied, pe.Applied)
			assert.Equal(t, tc.step, pe.Step)
			assert.Equal(t, tc.delivery, pe.Delivery)
			assert.Equal(t, len(s.seen), pe.Attempts, "the attempts of every step")
			assert.Equal(t, tc.fail, s.seen[len(s.seen)-1][len("POST "):], "nothing after the failed step")
			assert.Equal(t, "Static x", s.auths[0], "the static header without Authorize")
		})
	}
}

func TestAuthorizeFailureSendsNothing(t *testing.T) {
	s := &stepServer{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := plannedClient(t, srv, func() (string, error) { return "", errors.New("no key") })
	_, err := c.Update(context.Background(), participant.Ref{Conference: "c1", Call: "m1"}, all)
	assert.ErrorIs(t, err, participant.ErrUnauthenticated)
	assert.Equal(t, participant.DeliveryNotSent, participant.DeliveryOf(err))
	assert.Empty(t, s.seen)
}

// flaky answers 503 to the first n requests of each path it names.
type flaky struct {
	mu   sync.Mutex
	left map[string]int
	seen []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, r.URL.Path)
	if f.left[r.URL.Path] > 0 {
		f.left[r.URL.Path]--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestOneRetryBudgetForThePlan: the retries of all the steps of one update
// come out of one budget, the policy's (or the caller's, when smaller).
func TestOneRetryBudgetForThePlan(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ctx     func(context.Context) context.Context
		deaf503 int
		ok      bool
		sent    int
	}{
		{"WithinPolicy", func(c context.Context) context.Context { return c }, 1, true, 4},                                   // mute x2, deaf x2
		{"PolicySpent", func(c context.Context) context.Context { return c }, 2, false, 4},                                   // mute x2, deaf x2 (the 2nd retry is not left)
		{"CallerNarrows", func(c context.Context) context.Context { return participant.WithRetryBudget(c, 1) }, 1, false, 3}, // mute x2, deaf x1
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &flaky{left: map[string]int{"/c/c1/m/m1/mute": 1, "/c/c1/m/m1/deaf": tc.deaf503}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			c := plannedClient(t, srv, nil, driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Millisecond, WaitMax: time.Millisecond})
			_, err := c.Update(tc.ctx(context.Background()), participant.Ref{Conference: "c1", Call: "m1"},
				participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true)})
			assert.Equal(t, tc.ok, err == nil, "%v", err)
			assert.Len(t, f.seen, tc.sent, "%v", f.seen)
		})
	}
}
