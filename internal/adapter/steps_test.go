package adapter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/adapter"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
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

func op(method, verb string) *adapter.Operation {
	return &adapter.Operation{Method: method, Path: adapter.MustPath("/c/{conference}/m/{call}/" + verb)}
}

// plannedClient is a carrier whose plan lists the steps in the wrong
// order on purpose: audio first, the exposing call before the safe one.
func plannedClient(t *testing.T, srv *httptest.Server, authorize adapter.AuthorizeFunc) *adapter.Client {
	t.Helper()
	M, H, A := participant.NewFieldSet(participant.FieldMuted), participant.NewFieldSet(participant.FieldHold),
		participant.NewFieldSet(participant.FieldAnnounceURL)
	d := &adapter.Dialect{
		Provider: "verbs",
		Wire: map[participant.Field]string{participant.FieldMuted: "mute", participant.FieldHold: "deaf",
			participant.FieldAnnounceURL: "play"},
		Plan: func(req *participant.UpdateRequest, _ *participant.Participant, steps []adapter.Step) []adapter.Step {
			if req.AnnounceURL != nil {
				steps = append(steps, adapter.Step{Name: "play", Op: op(http.MethodPost, "play"), Fields: A}) // Phase left zero
			}
			if req.Hold != nil {
				steps = append(steps, adapter.Step{Name: "deaf", Op: op(http.MethodPost, "deaf"), Fields: H, Phase: adapter.PhaseExposing})
			}
			if req.Muted != nil {
				steps = append(steps, adapter.Step{Name: "mute", Op: op(http.MethodPost, "mute"), Fields: M, Phase: adapter.PhaseSafe})
			}
			return steps
		},
		NoReadBack:  true,
		DecodeError: func([]byte) (string, string, error) { return "", "", nil },
	}
	cfg := adapter.Config{BaseURL: srv.URL, Account: "a", Authorization: "Static x", Authorize: authorize,
		HTTP: providers.Options{Retry: &providers.RetryPolicy{MaxRetries: 0}}}
	c := adapter.New(d, cfg)
	t.Cleanup(c.CloseIdleConnections)
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
