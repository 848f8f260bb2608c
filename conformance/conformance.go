package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance/internal/sample"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Run runs every conformance case against h. Each case is a subtest with
// its own backend.
//
// A contract with NoWire (a driver that talks to no server, such as an
// in-memory one) is checked by its behaviour alone: what the backend stores, what the driver returns, and
// that a refused request never reaches the backend. Its Backend records
// one Request per operation that reaches it (per page for a listing), with
// Method naming the operation. The cases about the wire (request shapes,
// escaping, retries, faults, secrets, the live checks' HTTP answers) are
// skipped for it.
func Run(t *testing.T, h Harness) {
	c := h.Contract()
	require.NotEmpty(t, c.Provider, "Contract.Provider")
	require.True(t, c.NoWire || c.Steps != nil || c.Update.Method != "",
		"Contract: state the wire (Update.Method or Steps), or set NoWire for a driver that talks to no server")
	cases := []struct {
		name string
		fn   func(*testing.T, Harness)
		wire bool // the case checks the wire: skipped for a contract that states none
	}{
		{"Capabilities", testCapabilities, false},
		{"Fields", testFields, false},
		{"FalseSentNilOmitted", testFalseSentNilOmitted, false},
		{"AllFieldsAtOnce", testAllFields, false},
		{"WaitURLOff", testWaitURLOff, false},
		{"RequestShape", testRequestShape, true},
		{"Escaping", testEscaping, true},
		{"ResponseMapping", testResponseMapping, false},
		{"Fetch", testFetch, false},
		{"List", testList, false},
		{"Remove", testRemove, false},
		{"UpdateMany", testUpdateMany, false},
		{"Errors", testErrors, false},
		{"Validation", testValidation, false},
		{"Retries", testRetries, true},
		{"RetryAfter", testRetryAfter, true},
		{"Context", testContext, false},
		{"Secrets", testSecrets, true},
		{"Concurrent", testConcurrent, false},
		{"LiveChecks", testLiveChecks, true},
		{"Faults", RunFaults, true},
		{"StepFaults", testStepFaults, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wire && !c.wire() {
				t.Skip("the contract states no wire (an in-memory driver): nothing on the wire to check")
			}
			tc.fn(t, h)
		})
	}
}

// fastRetry keeps retry cases quick: 2 retries, 1–5ms backoff.
func fastRetry() *driver.RetryPolicy {
	return &driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond,
		MaxRetryAfter: 2 * time.Second}
}

// fixture is one case's backend, adapter and seeded participant.
type fixture struct {
	t   *testing.T
	h   Harness
	c   Contract
	env *Env
	u   *carrierkit.Client
	p   Participant
	ref participant.Ref
}

func setup(t *testing.T, h Harness, opts driver.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, h: h, c: h.Contract(), env: h.MakeEnv(t)}
	if opts.Retry == nil {
		opts.Retry = fastRetry()
	}
	u, err := f.env.NewUpdater(opts)
	require.NoError(t, err)
	f.u = carrierkit.New(u) // the portable client over the adapter, as apps hold it
	f.p = f.seed("")
	f.ref = participant.Ref{Conference: f.p.Conference, Call: f.p.CallID}
	t.Cleanup(f.validate)
	return f
}

// validate checks every request the backend recorded against the vendor's
// spec, when the harness can.
func (f *fixture) validate() {
	if f.env.ValidateRequest == nil {
		return
	}
	for _, r := range f.env.Backend.Requests() {
		if err := f.env.ValidateRequest(r); err != nil {
			f.t.Errorf("request %s %s is not valid under the vendor's spec: %v", r.Method, r.Path, err)
		}
	}
}

// reset validates, then forgets, the requests recorded so far.
func (f *fixture) reset() {
	f.validate()
	f.env.Backend.ResetRequests()
}

func (f *fixture) seed(label string) Participant {
	p := f.env.NewParticipant()
	p.Label = label
	f.env.Backend.Seed(p)
	return p
}

// update sends req to the fixture's participant, checks every request it
// sent against the contract's steps (and the read-back), and returns the
// first.
func (f *fixture) update(req participant.UpdateRequest) (*participant.Participant, Request) {
	f.t.Helper()
	f.reset()
	before := f.stored()
	p, err := f.u.Update(context.Background(), f.ref, req)
	require.NoError(f.t, err)
	reqs := f.env.Backend.Requests()
	if !f.c.wire() {
		require.Len(f.t, reqs, 1, "one update reaches the backend once")
		f.storedApplies(req)
		return p, reqs[0]
	}
	steps := f.c.plan(req, before)
	require.Len(f.t, reqs, f.c.afterUpdate(req, before), "requests sent for one update: %s, then the read-back if any", stepNames(steps))
	for i, s := range steps {
		f.checkStep(reqs[i], s, f.p.Account, f.ref.Conference, f.ref.Call)
	}
	if f.c.ReadBack {
		f.readBack(reqs[0], reqs[len(steps)])
	}
	return p, reqs[0]
}

// wire reports whether the suite checks the driver's wire: every contract
// but an in-memory driver's (NoWire), which is checked by behaviour.
func (c Contract) wire() bool { return !c.NoWire }

// storedApplies asserts that the backend holds every field req set.
func (f *fixture) storedApplies(req participant.UpdateRequest) {
	f.t.Helper()
	st := f.stored()
	checks := []struct {
		field participant.Field
		want  any
		got   any
	}{
		{participant.FieldMuted, req.Muted, st.Muted}, {participant.FieldHold, req.Hold, st.Hold},
		{participant.FieldHoldURL, req.HoldURL, st.HoldURL}, {participant.FieldHoldMethod, req.HoldMethod, st.HoldMethod},
		{participant.FieldAnnounceURL, req.AnnounceURL, st.AnnounceURL},
		{participant.FieldAnnounceMethod, req.AnnounceMethod, st.AnnounceMethod},
		{participant.FieldWaitURL, req.WaitURL, st.WaitURL}, {participant.FieldWaitMethod, req.WaitMethod, st.WaitMethod},
		{participant.FieldBeepOnExit, req.BeepOnExit, st.BeepOnExit},
		{participant.FieldEndConferenceOnExit, req.EndConferenceOnExit, st.EndConferenceOnExit},
		{participant.FieldCoaching, req.Coaching, st.Coaching}, {participant.FieldCallToCoach, req.CallToCoach, st.CallToCoach},
	}
	require.Len(f.t, checks, len(participant.AllFields()), "storedApplies checks every field of UpdateRequest")
	for _, c := range checks {
		switch w := c.want.(type) {
		case *bool:
			if w != nil {
				assert.Equal(f.t, *w, c.got, "stored %v", c.field)
			}
		case *string:
			if w != nil {
				assert.Equal(f.t, *w, c.got, "stored %v", c.field)
			}
		case participant.Method:
			if w != participant.MethodDefault {
				assert.Equal(f.t, string(w), c.got, "stored %v", c.field)
			}
		default:
			f.t.Fatalf("storedApplies: %v is a %T", c.field, c.want)
		}
	}
}

// plan is the contract's calls for req: Steps, or the one Update call.
func (c Contract) plan(req participant.UpdateRequest, before Participant) []Step {
	if c.Steps != nil {
		return c.Steps(req, before)
	}
	return []Step{{RequestContract: c.Update, Body: c.Body(req), Fields: req.Fields()}}
}

// stored is the fixture's participant as the backend holds it.
func (f *fixture) stored() Participant {
	p, _ := f.env.Backend.Participant(f.p.Account, f.ref.Conference, f.ref.Call)
	return p
}

func stepNames(steps []Step) string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Method + " " + s.Name
	}
	return strings.Join(names, ", ")
}

// checkStep asserts that r is the call s for the participant (account,
// conference, call): method, path, content type, exact body, credentials.
func (f *fixture) checkStep(r Request, s Step, account, conference, call string) {
	f.t.Helper()
	assert.Equal(f.t, s.Method, r.Method, "step %q", s.Name)
	if unreserved(account+conference+call) && call != "." && call != ".." { // Path is stated for such ids; Escaping checks the others
		assert.Equal(f.t, s.Path(account, conference, call), r.Path, "step %q", s.Name)
	}
	assert.Empty(f.t, r.RawQuery, "step %q", s.Name)
	assert.Equal(f.t, s.ContentType, r.Header.Get(hContentType), "step %q", s.Name)
	f.checkAuth(r)
	assert.True(f.t, strings.HasPrefix(r.Header.Get(hUserAgent), "carrierkit/"), "User-Agent %q", r.Header.Get(hUserAgent))
	switch {
	case s.Body.Form != nil:
		got, err := url.ParseQuery(string(r.Body))
		require.NoError(f.t, err, "body %q", r.Body)
		assert.Equal(f.t, s.Body.Form, got, "form body %q of step %q", r.Body, s.Name)
	case s.Body.JSON != "":
		assert.JSONEq(f.t, s.Body.JSON, string(r.Body), "JSON body of step %q", s.Name)
	default:
		assert.Empty(f.t, r.Body, "step %q has no body", s.Name)
	}
}

// unreserved reports whether s is made only of RFC 3986 unreserved characters.
func unreserved(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r))
	}) < 0
}

// checkAuth asserts that r carries the harness's credentials.
func (f *fixture) checkAuth(r Request) {
	f.t.Helper()
	if f.env.CheckAuthorization != nil {
		assert.NoError(f.t, f.env.CheckAuthorization(r.Header.Get(hAuthorization)), "%s %s", r.Method, r.Path)
		return
	}
	assert.Equal(f.t, f.env.Authorization, r.Header.Get(hAuthorization), "%s %s", r.Method, r.Path)
}

// readBack checks that rb fetches the participant update u changed.
func (f *fixture) readBack(u, rb Request) {
	f.t.Helper()
	assert.Equal(f.t, f.c.Fetch.Method, rb.Method, "read-back method")
	want := u.Path // a one-call update reads back the resource it wrote
	if f.c.Steps != nil {
		want = f.c.Fetch.Path(f.p.Account, f.ref.Conference, f.ref.Call)
	}
	assert.Equal(f.t, want, rb.Path, "the read-back fetches the participant just updated")
	assert.Empty(f.t, rb.Body, "read-back body")
	assert.Empty(f.t, rb.RawQuery)
}

// afterUpdate is how many requests a successful update of req sends to
// the participant before.
func (c Contract) afterUpdate(req participant.UpdateRequest, before Participant) int {
	n := len(c.plan(req, before))
	if c.ReadBack {
		n++
	}
	return n
}

// reads reports whether the adapter reads the state of field back.
func (f *fixture) reads(field participant.Field) bool { return f.u.Capabilities().CanRead(field) }

// refused asserts that err has code and names field, and that nothing was sent.
func (f *fixture) refused(err error, code participant.Code, field string) {
	f.t.Helper()
	require.Error(f.t, err)
	assert.ErrorIs(f.t, err, code)
	var pe *participant.Error
	require.ErrorAs(f.t, err, &pe)
	assert.Equal(f.t, field, pe.Field, "field named by %v", err)
	assert.Equal(f.t, f.c.Provider, pe.Provider)
	assert.Zero(f.t, pe.Attempts)
	assert.Empty(f.t, f.env.Backend.Requests(), "nothing may be sent for a refused request")
}

// sampleValue sets field f on req to a valid value and returns the form
// value the vendor expects. Coaching also needs CallToCoach.
func (f *fixture) sampleValue(req *participant.UpdateRequest, field participant.Field, b bool) string {
	return sample.Set(req, field, b, f.c.ValidCallToCoach)
}

func isBool(field participant.Field) bool {
	switch field {
	case participant.FieldMuted, participant.FieldHold, participant.FieldBeepOnExit,
		participant.FieldEndConferenceOnExit, participant.FieldCoaching:
		return true
	}
	return false
}

func testCapabilities(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	caps := f.u.Capabilities()
	assert.Equal(t, f.c.Provider, caps.Provider)
	for _, field := range participant.AllFields() {
		assert.Equal(t, f.c.Fields.Has(field), caps.Supports(field), "Capabilities().Supports(%v)", field)
	}
	var d driver.Driver
	require.True(t, f.u.As(&d), "the client gives its driver")
	_, isFetcher := d.(driver.Fetcher)
	_, isLister := d.(driver.Lister)
	_, isRemover := d.(driver.Remover)
	for _, o := range []struct {
		op     participant.Op
		has    bool
		method string
	}{{participant.OpFetch, isFetcher, "Fetcher"}, {participant.OpList, isLister, "Lister"},
		{participant.OpRemove, isRemover, "Remover"}} {
		if caps.Can(o.op) {
			assert.True(t, o.has, "Capabilities().Ops has %v, so the driver implements driver.%s", o.op, o.method)
		}
	}
	if f.c.ReadBack {
		assert.True(t, caps.Can(participant.OpFetch), "an adapter that reads updates back can fetch")
	}
	assert.Equal(t, f.c.Omits, caps.Omits, "Capabilities().Omits says what the vendor's resource lacks")
}

func testFields(t *testing.T, h Harness) {
	for _, field := range participant.AllFields() {
		values := []bool{true}
		if isBool(field) {
			values = []bool{true, false}
		}
		for _, b := range values {
			t.Run(fmt.Sprintf("%v=%v", field, b), func(t *testing.T) {
				f := setup(t, h, driver.Options{})
				var req participant.UpdateRequest
				f.sampleValue(&req, field, b)
				if !f.c.Fields.Has(field) {
					f.reset()
					_, err := f.u.Update(context.Background(), f.ref, req)
					f.refused(err, participant.CodeUnsupported, field.String())
					return
				}
				f.update(req)
			})
		}
	}
}

func testFalseSentNilOmitted(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	f.env.Backend.Seed(func() Participant { p := f.p; p.Muted, p.Hold = true, true; return p }())
	req := participant.UpdateRequest{Muted: participant.Bool(false)}
	got, _ := f.update(req) // false is sent; nil fields are omitted
	if f.reads(participant.FieldMuted) {
		assert.False(t, got.Muted)
	}
	if f.reads(participant.FieldHold) {
		assert.True(t, got.Hold, "a nil field leaves the value as it is")
	}
	stored, ok := f.env.Backend.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	require.True(t, ok)
	assert.False(t, stored.Muted)
	assert.True(t, stored.Hold)
}

func testWaitURLOff(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	if !f.c.Fields.Has(participant.FieldWaitURL) {
		t.Skip("the vendor has no wait music")
	}
	f.env.Backend.Seed(func() Participant { p := f.p; p.WaitURL = "https://x.example/wait.mp3"; return p }())
	req := participant.UpdateRequest{WaitURL: participant.String("")}
	f.update(req)
	stored, _ := f.env.Backend.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	assert.Empty(t, stored.WaitURL)
}

func testAllFields(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	var req participant.UpdateRequest
	for _, field := range participant.AllFields() { // in order: CallToCoach's sample overrides Coaching's
		if f.c.Fields.Has(field) {
			f.sampleValue(&req, field, true)
		}
	}
	got, _ := f.update(req)
	stored, _ := f.env.Backend.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	has := func(field participant.Field) bool {
		switch field { // read from the adapter's answer: only where the carrier reports it
		case participant.FieldMuted, participant.FieldHold, participant.FieldCoaching, participant.FieldEndConferenceOnExit,
			participant.FieldCallToCoach:
			return f.c.Fields.Has(field) && f.reads(field)
		}
		return f.c.Fields.Has(field)
	}
	for _, c := range []struct {
		field participant.Field
		ok    bool
	}{
		{participant.FieldMuted, got.Muted}, {participant.FieldHold, got.Hold}, {participant.FieldCoaching, got.Coaching},
		{participant.FieldEndConferenceOnExit, got.EndConferenceOnExit},
		{participant.FieldCallToCoach, req.CallToCoach != nil && *req.CallToCoach == got.CallToCoach},
		{participant.FieldHoldURL, req.HoldURL != nil && *req.HoldURL == stored.HoldURL},
		{participant.FieldAnnounceURL, req.AnnounceURL != nil && *req.AnnounceURL == stored.AnnounceURL},
		{participant.FieldWaitURL, req.WaitURL != nil && *req.WaitURL == stored.WaitURL},
		{participant.FieldBeepOnExit, stored.BeepOnExit},
		{participant.FieldMuted, stored.Muted}, {participant.FieldHold, stored.Hold},
	} {
		if has(c.field) {
			assert.True(t, c.ok, "%v applied", c.field)
		}
	}
}

func testRequestShape(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	require.True(t, f.c.Steps != nil || f.c.Update.Method != "", "Contract.Update.Method")
	for _, req := range []participant.UpdateRequest{{Hold: participant.Bool(true)}, {Muted: participant.Bool(true)}} {
		_, r := f.update(req) // each call checked against the contract
		if len(f.c.plan(req, f.p)) == 1 {
			assert.Contains(t, []string{"application/x-www-form-urlencoded", "application/json", ""}, r.Header.Get(hContentType))
		}
		f.env.Backend.Seed(f.p) // back to unmuted, not held
	}

	t.Run("ExplicitAccount", func(t *testing.T) {
		f.reset()
		ref := f.ref
		ref.Account = f.p.Account
		req := participant.UpdateRequest{Hold: participant.Bool(false)}
		_, err := f.u.Update(context.Background(), ref, req)
		require.NoError(t, err)
		reqs := f.env.Backend.Requests()
		require.Len(t, reqs, f.c.afterUpdate(req, f.p))
		assert.Equal(t, f.c.plan(req, f.p)[0].Path(f.p.Account, f.p.Conference, f.p.CallID), reqs[0].Path)
	})
}

// escapingLabels could each reach another endpoint if not escaped as one segment.
var escapingLabels = []string{
	"agent 7", "a/b", "../../Conferences", "who?x=1", "frag#ment", "100%", "%2F", "..", ".",
	"a/../b", "o'brien", "ünïcödé", "semi;colon&and=eq+plus", "~._-",
}

func testEscaping(t *testing.T, h Harness) {
	for _, label := range escapingLabels {
		t.Run(fmt.Sprintf("%q", label), func(t *testing.T) {
			f := setup(t, h, driver.Options{})
			if !f.u.Capabilities().Labels {
				t.Skip("the carrier has no participant labels")
			}
			p := f.seed(label)
			f.ref = participant.Ref{Conference: p.Conference, Call: label}
			got, r := f.update(participant.UpdateRequest{Muted: participant.Bool(true)})
			assert.Equal(t, p.CallID, got.CallID, "the label reached its own participant")
			plain := f.c.Update.Path(p.Account, p.Conference, p.CallID)
			segs, want := strings.Split(r.Path, "/"), strings.Split(plain, "/")
			require.Len(t, segs, len(want), "path %q keeps the label in one segment", r.Path)
			last := segs[len(segs)-1]
			suffix := strings.TrimPrefix(want[len(want)-1], p.CallID)
			dec, err := url.PathUnescape(strings.TrimSuffix(last, suffix))
			require.NoError(t, err)
			assert.Equal(t, label, dec)
			for _, s := range segs {
				assert.NotContains(t, []string{".", ".."}, s, "no dot segment in %q", r.Path)
			}
			stored, _ := f.env.Backend.Participant(p.Account, p.Conference, p.CallID)
			assert.True(t, stored.Muted)
		})
	}
}

func checkMapped(t *testing.T, c Contract, p Participant, got *participant.Participant) {
	t.Helper()
	assert.Equal(t, c.Provider, got.Provider)
	assert.Equal(t, p.Account, got.AccountID)
	assert.Equal(t, p.Conference, got.ConferenceID)
	assert.Equal(t, p.CallID, got.CallID)
	if !c.Omits.Times {
		assert.False(t, got.Created.IsZero(), "Created parsed")
		assert.False(t, got.Updated.IsZero(), "Updated parsed")
		assert.False(t, got.Updated.Before(got.Created), "Updated >= Created")
	}
	if c.Omits.Status {
		assert.Equal(t, participant.StatusUnknown, got.Status, "the vendor reports no status")
	}
	assert.True(t, json.Valid(got.Raw), "Raw holds the vendor body")
}

func testResponseMapping(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	req := participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true)}
	if f.c.Fields.Has(participant.FieldEndConferenceOnExit) {
		req.EndConferenceOnExit = participant.Bool(true)
	}
	got, _ := f.update(req)
	if f.u.Capabilities().Readable == 0 {
		// Nothing of the update can be read: the participant is the ref's
		// ids and the values the update set, with no vendor body.
		assert.Equal(t, f.c.Provider, got.Provider)
		assert.Equal(t, f.p.CallID, got.CallID)
		assert.Equal(t, f.p.Conference, got.ConferenceID)
		assert.Equal(t, f.p.Account, got.AccountID)
		assert.True(t, got.Muted, "as the update set it")
		assert.True(t, got.Hold, "as the update set it")
		return
	}
	checkMapped(t, f.c, f.p, got)
	assert.True(t, got.Muted)
	assert.True(t, got.Hold)
	assert.Equal(t, req.EndConferenceOnExit != nil, got.EndConferenceOnExit)
	assert.False(t, got.Coaching)
	stored, _ := f.env.Backend.Participant(f.p.Account, f.p.Conference, f.p.CallID)
	if !f.c.Omits.Status {
		assert.Equal(t, participant.StatusConnected, got.Status)
	}
	if !f.c.Omits.Times {
		assert.Equal(t, stored.Created.Unix(), got.Created.Unix(), "Created is the stored time")
		assert.Equal(t, stored.Updated.Unix(), got.Updated.Unix(), "Updated is the stored time")
	}
	require.NotEmpty(t, f.c.MutedKey, "Contract.MutedKey")
	var raw map[string]any
	require.NoError(t, json.Unmarshal(got.Raw, &raw))
	assert.Equal(t, true, raw[f.c.MutedKey], "Raw is the vendor's body")
}

func testFetch(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	if !f.u.Capabilities().Can(participant.OpFetch) {
		_, err := f.u.Fetch(context.Background(), f.ref)
		f.refused(err, participant.CodeUnsupported, "")
		return
	}
	done := f.p
	done.CallID = f.env.NewParticipant().CallID
	done.Status = f.c.CompletedStatus
	done.Muted = true
	f.env.Backend.Seed(done)
	f.reset()

	got, err := f.u.Fetch(context.Background(), participant.Ref{Conference: done.Conference, Call: done.CallID})
	require.NoError(t, err)
	checkMapped(t, f.c, done, got)
	if f.reads(participant.FieldMuted) {
		assert.True(t, got.Muted)
	} else {
		assert.False(t, got.Muted, "a state the carrier does not report is left zero, not guessed")
	}
	if !f.c.Omits.Status {
		assert.Equal(t, participant.StatusCompleted, got.Status, "vendor status %q", done.Status)
	}
	reqs := f.env.Backend.Requests()
	require.Len(t, reqs, 1)
	if f.c.wire() {
		assert.Equal(t, f.c.Fetch.Method, reqs[0].Method)
		assert.Equal(t, f.c.Fetch.Path(done.Account, done.Conference, done.CallID), reqs[0].Path)
		assert.Empty(t, reqs[0].Body)
		assert.Empty(t, reqs[0].Header.Get(hContentType), "a fetch has no body")
	}

	missing := "no-such-label"
	if !f.u.Capabilities().Labels {
		missing = f.env.NewParticipant().CallID
	}
	_, err = f.u.Fetch(context.Background(), participant.Ref{Conference: done.Conference, Call: missing})
	assert.ErrorIs(t, err, participant.ErrNotFound)
}

// vendorFailure asserts the common shape of an error decoded from a vendor body.
func vendorFailure(t *testing.T, c Contract, err error, status int, code participant.Code) *participant.Error {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, code)
	assert.Equal(t, code, participant.CodeOf(err))
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, status, pe.HTTPStatus)
	assert.Equal(t, c.Provider, pe.Provider)
	assert.True(t, c.VendorError(err), "the vendor's error is reachable with errors.As: %v", err)
	assert.NotEmpty(t, pe.VendorMessage)
	return pe
}

func noRetry() *driver.RetryPolicy { return &driver.RetryPolicy{MaxRetries: 0} }

func testErrors(t *testing.T, h Harness) {
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	t.Run("NotFound", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		ref := f.ref
		ref.Call = f.env.NewParticipant().CallID
		_, err := f.u.Update(context.Background(), ref, mute)
		if !f.c.wire() {
			assert.ErrorIs(t, err, participant.ErrNotFound)
			pe, ok := errors.AsType[*participant.Error](err)
			require.True(t, ok, "an *participant.Error: %v", err)
			assert.Equal(t, f.c.Provider, pe.Provider)
			return
		}
		pe := vendorFailure(t, f.c, err, http.StatusNotFound, participant.CodeNotFound)
		assert.Equal(t, 1, pe.Attempts)
	})
	if !h.Contract().wire() {
		return // the rest are the vendor's error bodies and a transport's faults
	}
	t.Run("BadCredentials", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		u, err := f.env.NewBadAuthUpdater(driver.Options{Retry: noRetry()})
		require.NoError(t, err)
		_, err = u.Update(context.Background(), f.ref, mute)
		vendorFailure(t, f.c, err, http.StatusUnauthorized, participant.CodeUnauthenticated)
		stored, _ := f.env.Backend.Participant(f.p.Account, f.p.Conference, f.p.CallID)
		assert.False(t, stored.Muted, "an unauthenticated update changes nothing")
	})
	for _, ec := range h.Contract().Errors {
		t.Run(fmt.Sprintf("%s_%d_%s", ec.Name, ec.Status, ec.Code), func(t *testing.T) {
			f := setup(t, h, driver.Options{Retry: noRetry()})
			f.env.Backend.Fail(Fault{Status: ec.Status, Code: ec.Code})
			_, err := f.u.Update(context.Background(), f.ref, mute)
			pe := vendorFailure(t, f.c, err, ec.Status, ec.Want)
			assert.Equal(t, ec.Code, pe.VendorCode)
			assert.Contains(t, err.Error(), ec.Code, "the error line names the vendor code")
		})
	}
	t.Run("NotVendorShaped", func(t *testing.T) {
		f := setup(t, h, driver.Options{Retry: noRetry()})
		f.env.Backend.Fail(Fault{Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"})
		_, err := f.u.Update(context.Background(), f.ref, mute)
		assert.ErrorIs(t, err, participant.ErrUnavailable)
		assert.False(t, f.c.VendorError(err))
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, http.StatusBadGateway, pe.HTTPStatus)
	})
	t.Run("MalformedSuccessBody", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		if f.u.Capabilities().Readable == 0 {
			t.Skip("the carrier's update answers carry nothing the adapter reads, and it cannot read the participant back")
		}
		if f.c.ReadBack {
			f.env.Backend.Fail(passOne) // the update passes; its read-back gets the bad body
		}
		f.env.Backend.Fail(Fault{Malformed: true})
		_, err := f.u.Update(context.Background(), f.ref, mute)
		assert.ErrorIs(t, err, participant.ErrUnknown)
		assert.Contains(t, err.Error(), "decode")
	})
}

func testValidation(t *testing.T, h Harness) {
	cases := []struct {
		name  string
		req   participant.UpdateRequest
		field string
	}{
		{"Empty", participant.UpdateRequest{}, ""},
		{"RelativeHoldURL", participant.UpdateRequest{HoldURL: participant.String("/hold.xml")}, "HoldURL"},
		{"FTPAnnounceURL", participant.UpdateRequest{AnnounceURL: participant.String("ftp://x.example/a.mp3")}, "AnnounceURL"},
		{"EmptyHoldURL", participant.UpdateRequest{HoldURL: participant.String("")}, "HoldURL"},
		{"URLWithCredentials", participant.UpdateRequest{HoldURL: participant.String("https://u:p@x.example/h.xml")}, "HoldURL"},
		{"LowercaseMethod", participant.UpdateRequest{HoldURL: participant.String("https://x.example/h"), HoldMethod: "get"}, "HoldMethod"},
		{"PutMethod", participant.UpdateRequest{AnnounceMethod: "PUT"}, "AnnounceMethod"},
		{"CoachingWithoutCall", participant.UpdateRequest{Coaching: participant.Bool(true)}, "Coaching"},
		{"EmptyCallToCoach", participant.UpdateRequest{CallToCoach: participant.String("")}, "CallToCoach"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, h, driver.Options{})
			f.reset()
			_, err := f.u.Update(context.Background(), f.ref, tc.req)
			if extra := tc.req.Fields() &^ f.c.Fields; extra != 0 {
				// The carrier has no such field: that is said first.
				f.refused(err, participant.CodeUnsupported, extra.Fields()[0].String())
				return
			}
			f.refused(err, participant.CodeInvalidArgument, tc.field)
			if tc.field != "" {
				assert.Contains(t, err.Error(), tc.field, "the error line names the field")
			}
		})
	}
	refs := append([]RefCase{
		{"EmptyConference", func(r participant.Ref) participant.Ref { r.Conference = ""; return r }, "Ref.Conference"},
		{"EmptyCall", func(r participant.Ref) participant.Ref { r.Call = ""; return r }, "Ref.Call"},
	}, h.Contract().InvalidRefs...)
	for _, rc := range refs {
		t.Run("Ref"+rc.Name, func(t *testing.T) {
			f := setup(t, h, driver.Options{})
			f.reset()
			_, err := f.u.Update(context.Background(), rc.Ref(f.ref), participant.UpdateRequest{Muted: participant.Bool(true)})
			f.refused(err, participant.CodeInvalidArgument, rc.Field)
		})
	}
}

// refusingClient returns a client whose dials f (a Fault.Refuse) refuses
// for its Times, as the fault rows' proxy does; later dials go through.
func refusingClient(f Fault) *http.Client {
	var left atomic.Int32
	left.Store(int32(uses(f)))
	tr := http.DefaultTransport.(*http.Transport).Clone()
	base := (&net.Dialer{}).DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if take(&left) {
			return nil, refusedDial(network)
		}
		return base(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

func testRetries(t *testing.T, h Harness) {
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	announce := participant.UpdateRequest{AnnounceURL: participant.String("https://x.example/announce.mp3")}
	cases := []struct {
		name     string
		req      participant.UpdateRequest
		fault    Fault // injected into the backend; a Refuse by the client's dialer
		attempts int
		want     participant.Code // CodeUnknown: success
	}{
		{"Idempotent503ThenOK", mute, Fault{Status: 503}, 2, 0},
		{"Idempotent500ThenOK", mute, Fault{Status: 500}, 2, 0},
		{"IdempotentDroppedThenOK", mute, Fault{Drop: true}, 2, 0},
		{"Idempotent500Exhausted", mute, Fault{Status: 500, Times: -1}, 3, participant.CodeUnavailable},
		{"Idempotent400NotRetried", mute, Fault{Status: 400}, 1, participant.CodeInvalidArgument},
		{"Idempotent404NotRetried", mute, Fault{Status: 404}, 1, participant.CodeNotFound},
		{"Announce429Retried", announce, Fault{Status: 429, RetryAfter: "0"}, 2, 0},
		{"Announce429Exhausted", announce, Fault{Status: 429, Times: -1}, 3, participant.CodeRateLimited},
		{"Announce500NotRetried", announce, Fault{Status: 500}, 1, participant.CodeUnavailable},
		{"Announce503NotRetried", announce, Fault{Status: 503}, 1, participant.CodeUnavailable},
		{"AnnounceDroppedNotRetried", announce, Fault{Drop: true}, 1, participant.CodeUnavailable},
		{"AnnounceRefusedRetried", announce, Fault{Refuse: true}, 1, 0},
		{"IdempotentRefusedRetried", mute, Fault{Refuse: true}, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var client *http.Client
			if tc.fault.Refuse {
				client = refusingClient(tc.fault)
			}
			f := setup(t, h, driver.Options{HTTPClient: client})
			if !f.c.Fields.Has(participant.FieldAnnounceURL) && tc.req.AnnounceURL != nil {
				t.Skip("the carrier has no announcements")
			}
			f.reset()
			if !tc.fault.Refuse {
				f.env.Backend.Fail(tc.fault)
			}
			got, err := f.u.Update(context.Background(), f.ref, tc.req)
			reached := tc.attempts
			if tc.want == participant.CodeUnknown {
				reached += f.c.afterUpdate(tc.req, f.p) - 1 // the read-back
			}
			assert.Len(t, f.env.Backend.Requests(), reached, "requests that reached the backend")
			if tc.want == participant.CodeUnknown {
				require.NoError(t, err)
				assert.Equal(t, f.p.CallID, got.CallID)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.attempts, pe.Attempts)
			if tc.fault.Status != 0 {
				assert.Equal(t, tc.fault.Status, pe.HTTPStatus)
				assert.True(t, f.c.VendorError(err), "vendor body decoded after the last retry")
			}
		})
	}
}

func testRetryAfter(t *testing.T, h Harness) {
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	t.Run("Honoured", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.reset()
		f.env.Backend.Fail(Fault{Status: 429, RetryAfter: "1"})
		if !fakeClockFits(f.env) { // tokens minted per request: the real clock
			start := time.Now()
			_, err := f.u.Update(context.Background(), f.ref, mute)
			require.NoError(t, err)
			assert.Len(t, f.env.Backend.Requests(), 1+f.c.afterUpdate(mute, f.p))
			assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "waited for Retry-After: 1")
			return
		}
		// The wait runs on synctest's clock: measured exactly, and not
		// slept. The backend stays outside the bubble (a loopback server
		// in it would keep the clock from advancing); the adapter is made
		// inside, with connections that are not kept alive, so that no
		// goroutine of the bubble sits on a socket during the wait.
		synctest.Test(t, func(t *testing.T) {
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			defer hc.CloseIdleConnections()
			u, err := f.env.NewUpdater(driver.Options{Retry: fastRetry(), HTTPClient: hc})
			require.NoError(t, err)
			start := time.Now()
			_, err = u.Update(context.Background(), f.ref, mute)
			require.NoError(t, err)
			waited := time.Since(start)
			assert.GreaterOrEqual(t, waited, time.Second, "waited for Retry-After: 1")
			assert.Less(t, waited, 2*time.Second, "waited once")
		})
		assert.Len(t, f.env.Backend.Requests(), 1+f.c.afterUpdate(mute, f.p))
	})
	t.Run("Capped", func(t *testing.T) {
		pol := fastRetry()
		pol.MaxRetryAfter = time.Millisecond
		f := setup(t, h, driver.Options{Retry: pol})
		f.reset()
		f.env.Backend.Fail(Fault{Status: 503, RetryAfter: "3600"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := f.u.Update(ctx, f.ref, mute)
		require.NoError(t, err, "an hour's Retry-After is capped by MaxRetryAfter")
		assert.Len(t, f.env.Backend.Requests(), 1+f.c.afterUpdate(mute, f.p))
	})
	t.Run("NotPastDeadline", func(t *testing.T) {
		pol := fastRetry()
		pol.MaxRetryAfter = time.Minute
		f := setup(t, h, driver.Options{Retry: pol})
		f.reset()
		f.env.Backend.Fail(Fault{Status: 429, RetryAfter: "30"})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := f.u.Update(ctx, f.ref, mute)
		pe := vendorFailure(t, f.c, err, http.StatusTooManyRequests, participant.CodeRateLimited)
		assert.Equal(t, 30*time.Second, pe.RetryAfter)
		assert.NoError(t, ctx.Err(), "returned the carrier's answer instead of waiting out the deadline")
		assert.Len(t, f.env.Backend.Requests(), 1)
	})
}

func testContext(t *testing.T, h Harness) {
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	t.Run("CanceledBeforeSend", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.reset()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := f.u.Update(ctx, f.ref, mute)
		assert.ErrorIs(t, err, participant.ErrCanceled)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, f.env.Backend.Requests())
	})
	if !h.Contract().wire() {
		return // the waits below are a slow server's
	}
	t.Run("DeadlineWhileWaiting", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.env.Backend.Fail(Fault{Delay: 10 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := f.u.Update(ctx, f.ref, mute)
		assert.ErrorIs(t, err, participant.ErrDeadlineExceeded)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("CanceledWhileWaiting", func(t *testing.T) {
		f := setup(t, h, driver.Options{})
		f.env.Backend.Fail(Fault{Delay: 10 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := f.u.Update(ctx, f.ref, mute)
		assert.ErrorIs(t, err, participant.ErrCanceled)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func testSecrets(t *testing.T, h Harness) {
	core, logs := observer.New(zapcore.DebugLevel)
	f := setup(t, h, driver.Options{Logger: zap.New(core), Retry: &driver.RetryPolicy{MaxRetries: 1,
		WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
	require.NotEmpty(t, f.env.Secrets)
	// A carrier (or a proxy) that echoes credentials back in its error.
	f.env.Backend.Fail(Fault{Status: 400, Message: "bad credentials " + strings.Join(f.env.Secrets, " ")})
	_, err := f.u.Update(context.Background(), f.ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	require.Error(t, err)
	f.env.Backend.Fail(Fault{Status: 503, Times: -1})
	_, err2 := f.u.Update(context.Background(), f.ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	require.Error(t, err2)

	entries := logs.All()
	require.NotEmpty(t, entries, "one debug line per attempt")
	// Every form of every credential, in every fmt form of both errors and
	// their whole unwrap chains (the vendor's error value too), and in the logs.
	assertNoCredential(t, credentialForms(credentials(f.env)), errors.Join(err, err2), logs)
	e := entries[0].ContextMap()
	var keys []string
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range []string{"method", "path", "status", "attempt", "latency", "provider"} {
		assert.Contains(t, keys, k, "log fields")
	}
}

func testConcurrent(t *testing.T, h Harness) {
	f := setup(t, h, driver.Options{})
	const n = 32
	ps := make([]Participant, n)
	for i := range ps {
		ps[i] = f.seed("")
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.u.Update(context.Background(), participant.Ref{Conference: ps[i].Conference, Call: ps[i].CallID},
				participant.UpdateRequest{Muted: participant.Bool(i%2 == 0), Hold: participant.Bool(true)})
		}()
	}
	wg.Wait()
	for i, p := range ps {
		require.NoError(t, errs[i])
		stored, _ := f.env.Backend.Participant(p.Account, p.Conference, p.CallID)
		assert.Equal(t, i%2 == 0, stored.Muted)
		assert.True(t, stored.Hold)
	}
}
