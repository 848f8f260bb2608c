package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/memnet"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/participant"
)

// The fault matrix: what a flaky network, a hostile server or proxy, and
// hostile input from the caller do to an update. Every row asserts the
// neutral code, how many attempts reached the network, that the call ended
// within its deadline plus faultSlack, and that no form of a credential is
// in the error (text, %v/%+v/%#v, JSON, anything in its unwrap chain) or in
// any captured log field.

// faultSlack is how far past its deadline a call may end (scheduling and
// teardown, not waiting).
const faultSlack = time.Second

// faultDeadline is the whole-call bound (Options.Timeout) of every row
// that sets no other.
const faultDeadline = 3 * time.Second

// proxyFunc serves one connection of a row, whose request r (with its
// body) was read already. A proxyFunc that returns without writing closes
// the connection.
type proxyFunc func(c net.Conn, r *http.Request, call proxyCall)

// proxyCall is what a proxyFunc may use.
type proxyCall struct {
	creds []scrub.Secret // the harness's credentials
	// forward sends the request on to the backend and returns its answer
	// with the body read, or nil when the backend closed the connection.
	forward func() *http.Response
}

// faultRow is one row of the matrix.
type faultRow struct {
	name     string
	announce bool // the update plays an announcement: never replayed after an ambiguous failure
	// edit changes the valid ref and request into hostile ones.
	edit func(ref *participant.Ref, req *participant.UpdateRequest)
	// fault, when set, is injected into the backend, or by the proxy when
	// atProxy (the connection kinds: Drop, Reset, Hang, Truncate, Trickle,
	// after any Delay); a Refuse fault is always the proxy's, which
	// refuses the adapter's next Times dials.
	fault   Fault
	atProxy bool
	// proxy is a hostile server's script, beyond what a Fault describes: it
	// serves the first proxied connections (all when proxyConns is 0)
	// instead of forwarding them.
	proxy      proxyFunc
	proxyConns int
	opts       driver.Options
	ctxTimeout time.Duration // a context deadline; 0: context.Background()
	want       participant.Code
	// delivery is the Delivery the error must report (want's row); a
	// readBody row on a carrier that reads back says DeliveryApplied.
	delivery participant.Delivery
	ok       bool // success expected (want ignored)
	reached  int  // requests that reached the network (proxy), and pe.Attempts on failure
	// needs are the fields the row sets (a URL row, the coaching row),
	// skipped where unsupported; announce rows need AnnounceURL.
	needs participant.FieldSet
	// readBody rows fault the answer that carries the participant: for a
	// carrier that answers an update with 204 (Contract.ReadBack) that is
	// the read-back, one request later.
	readBody bool
	check    func(t *testing.T, err error)
	// fakeClock rows (hangs, trickles: their outcome is a matter of time)
	// run under testing/synctest, their proxy on an in-memory network: the
	// bounds are checked exactly, without slack and without sleeping, and
	// a loaded machine cannot change how many attempts fit.
	fakeClock bool
}

// RunFaults runs the fault matrix against h, one subtest per row. It is
// part of Run; a router (or any participant.Updater built over a harness's
// backend) can run it on its own.
func RunFaults(t *testing.T, h Harness) {
	rows := append(faultRows(), vendorRows(h.Contract())...)
	t.Logf("fault matrix: %d rows", len(rows))
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) { runFaultRow(t, h, row) })
	}
}

func faultRows() []faultRow {
	var rows []faultRow
	add := func(r ...faultRow) { rows = append(rows, r...) }
	bothKinds := func(name string, r faultRow, idemOK bool, idemReached int, idemWant participant.Code, annWant participant.Code) {
		idem := r
		idem.name, idem.ok, idem.reached, idem.want = name+"/Idempotent", idemOK, idemReached, idemWant
		ann := r
		ann.name, ann.announce, ann.reached, ann.want = name+"/Announce", true, 1, annWant
		add(idem, ann)
	}
	// Vendor 4xx bodies are the contract's documented errors (vendorRows).
	// 429, with and without Retry-After.
	add(
		faultRow{name: "429/NoRetryAfter/Exhausted", fault: Fault{Status: 429, Times: -1}, want: participant.CodeRateLimited, reached: 3,
			delivery: participant.DeliveryAnswered},
		faultRow{name: "429/NoRetryAfter/ThenOK", announce: true, fault: Fault{Status: 429}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterSeconds", fault: Fault{Status: 429, RetryAfter: "1"}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterHTTPDate", fault: Fault{Status: 429,
			RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterPastDate", fault: Fault{Status: 429, RetryAfter: "Fri, 31 Dec 1999 23:59:59 GMT"}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterAbsurdNumber", fault: Fault{Status: 429, RetryAfter: "99999999999999999999999"}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterNegative", fault: Fault{Status: 429, RetryAfter: "-5"}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterGarbage", fault: Fault{Status: 429, RetryAfter: "soon\x01"}, ok: true, reached: 2},
		faultRow{name: "429/RetryAfterPastDeadline", fault: Fault{Status: 429, RetryAfter: "3600"},
			opts: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 2, MaxRetryAfter: time.Hour}},
			want: participant.CodeRateLimited, reached: 1, delivery: participant.DeliveryAnswered},
	)
	// 5xx, vendor-shaped and HTML.
	html := Fault{Status: 502, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>", Times: -1}
	bothKinds("502HTML", faultRow{fault: html, delivery: participant.DeliveryMaybe}, false, 3, participant.CodeUnavailable, participant.CodeUnavailable)
	bothKinds("500Vendor", faultRow{fault: Fault{Status: 500}, delivery: participant.DeliveryMaybe}, true, 2, 0, participant.CodeUnavailable)
	bothKinds("503Vendor", faultRow{fault: Fault{Status: 503}, delivery: participant.DeliveryMaybe}, true, 2, 0, participant.CodeUnavailable)
	add(faultRow{name: "501NotRetried", fault: Fault{Status: 501}, want: participant.CodeUnknown, reached: 1,
		delivery: participant.DeliveryMaybe})
	// The network: refused, reset before and after the headers, hang, trickle.
	add(
		faultRow{name: "Refused/Idempotent", fault: Fault{Refuse: true}, ok: true, reached: 1},
		faultRow{name: "Refused/Announce", announce: true, fault: Fault{Refuse: true}, ok: true, reached: 1},
		faultRow{name: "Refused/Always", fault: Fault{Refuse: true, Times: -1}, want: participant.CodeUnavailable, reached: 0, delivery: participant.DeliveryNotSent,
			check: func(t *testing.T, err error) {
				assert.Equal(t, 3, attemptsOf(err), "every refused dial counts as an attempt")
			}},
	)
	bothKinds("ResetBeforeHeaders", faultRow{fault: Fault{Reset: true}, atProxy: true, delivery: participant.DeliveryMaybe}, true, 2, 0, participant.CodeUnavailable)
	bothKinds("ResetAfterHeaders", faultRow{fault: Fault{Truncate: true, Reset: true}, atProxy: true, delivery: participant.DeliveryMaybe}, true, 2, 0, participant.CodeUnavailable)
	bothKinds("ClosedWithoutAnswer", faultRow{fault: Fault{Drop: true}, delivery: participant.DeliveryMaybe}, true, 2, 0, participant.CodeUnavailable)
	bothKinds("ClosedAfterRequest", faultRow{fault: Fault{Drop: true}, atProxy: true, delivery: participant.DeliveryMaybe}, true, 2, 0, participant.CodeUnavailable)
	hangs := Fault{Hang: true, Times: -1}
	hang := faultRow{fault: hangs, atProxy: true, opts: driver.Options{AttemptTimeout: 100 * time.Millisecond}, delivery: participant.DeliveryMaybe,
		fakeClock: true}
	bothKinds("HangAttemptTimeout", hang, false, 3, participant.CodeDeadlineExceeded, participant.CodeDeadlineExceeded)
	add(faultRow{name: "HangCallTimeout", fault: hangs, atProxy: true, opts: driver.Options{AttemptTimeout: -1, Timeout: 150 * time.Millisecond},
		want: participant.CodeDeadlineExceeded, reached: 1, delivery: participant.DeliveryMaybe, fakeClock: true})
	add(faultRow{name: "HangContextDeadline", fault: hangs, atProxy: true, opts: driver.Options{AttemptTimeout: -1}, ctxTimeout: 150 * time.Millisecond,
		want: participant.CodeDeadlineExceeded, reached: 1, delivery: participant.DeliveryMaybe, fakeClock: true})
	trickles := Fault{Trickle: 20 * time.Millisecond, Times: -1}
	trickle := faultRow{fault: trickles, atProxy: true, opts: driver.Options{AttemptTimeout: 150 * time.Millisecond}, delivery: participant.DeliveryMaybe,
		fakeClock: true}
	bothKinds("Trickle", trickle, false, 3, participant.CodeDeadlineExceeded, participant.CodeDeadlineExceeded)
	bothKinds("TrickleThenOK", faultRow{fault: Fault{Trickle: 20 * time.Millisecond}, atProxy: true, opts: driver.Options{AttemptTimeout: 150 * time.Millisecond},
		delivery: participant.DeliveryMaybe, fakeClock: true},
		true, 2, 0, participant.CodeDeadlineExceeded)
	// Bodies: truncated, not JSON, oversized.
	add(
		faultRow{name: "Body/TruncatedJSON", readBody: true, fault: Fault{Malformed: true}, want: participant.CodeUnknown, reached: 1, delivery: participant.DeliveryMaybe},
		faultRow{name: "Body/NotJSON", readBody: true, fault: Fault{Status: 200, Body: "<html>OK</html>"}, want: participant.CodeUnknown, reached: 1, delivery: participant.DeliveryMaybe},
		faultRow{name: "Body/Empty", readBody: true, fault: Fault{Status: 200, Body: " "}, want: participant.CodeUnknown, reached: 1, delivery: participant.DeliveryMaybe},
		faultRow{name: "Body/Oversized2xx", readBody: true, fault: Fault{Status: 200, Body: `{"x":"` + strings.Repeat("a", 4096) + `"}`},
			opts: driver.Options{MaxBodyBytes: 1024}, want: participant.CodeUnknown, reached: 1, delivery: participant.DeliveryMaybe},
		faultRow{name: "Body/OversizedError", fault: Fault{Status: 500, Body: strings.Repeat("e", 4096), Times: -1},
			opts: driver.Options{MaxBodyBytes: 1024}, want: participant.CodeUnavailable, reached: 1, delivery: participant.DeliveryMaybe},
		faultRow{name: "Body/ShorterThanContentLength", fault: Fault{Truncate: true, Times: -1}, atProxy: true, want: participant.CodeUnavailable, reached: 3, delivery: participant.DeliveryMaybe},
	)
	// Redirects are never followed.
	for _, status := range []int{300, 301, 302, 303, 304, 305, 307, 308} {
		add(faultRow{name: fmt.Sprintf("Redirect/%d", status), proxy: redirectProxy(status), want: participant.CodeUnknown, reached: 1,
			delivery: participant.DeliveryAnswered,
			check: func(t *testing.T, err error) {
				assert.Contains(t, err.Error(), "does not follow redirects")
				assert.NotContains(t, err.Error(), "elsewhere.example")
			}})
	}
	// Hostile ids, labels and URLs from the caller: refused, nothing sent.
	for _, bad := range []struct{ name, v string }{
		{"CRLF", "agent\r\nX-Injected: 1\r\n"}, {"NUL", "agent\x00"}, {"InvalidUTF8", "agent\xff\xfe"},
		{"C1", "agent\u0085"}, {"Huge", strings.Repeat("a", 100<<10)},
	} {
		add(
			faultRow{name: "HostileRef/Call/" + bad.name, edit: func(r *participant.Ref, _ *participant.UpdateRequest) { r.Call = bad.v },
				want: participant.CodeInvalidArgument, delivery: participant.DeliveryNotSent, check: field("Ref.Call")},
			faultRow{name: "HostileRef/Conference/" + bad.name, edit: func(r *participant.Ref, _ *participant.UpdateRequest) { r.Conference = bad.v },
				want: participant.CodeInvalidArgument, delivery: participant.DeliveryNotSent, check: field("Ref.Conference")},
			faultRow{name: "HostileRef/Account/" + bad.name, edit: func(r *participant.Ref, _ *participant.UpdateRequest) { r.Account = bad.v },
				want: participant.CodeInvalidArgument, delivery: participant.DeliveryNotSent, check: field("Ref.Account")},
		)
	}
	for _, bad := range []struct{ name, v string }{
		{"1MB", "https://x.example/" + strings.Repeat("a", 1<<20)}, {"NBSP", "https://x.example/a\u00a0b"},
		{"LineSeparator", "https://x.example/a\u2028b"}, {"IdeographicSpace", "https://x.example/\u3000"},
		{"CRLF", "https://x.example/a\r\nb"}, {"NonASCII", "https://x.example/müsik.mp3"},
	} {
		add(
			faultRow{name: "HostileURL/HoldURL/" + bad.name, needs: participant.NewFieldSet(participant.FieldHoldURL), edit: func(_ *participant.Ref, q *participant.UpdateRequest) { q.HoldURL = &bad.v },
				want: participant.CodeInvalidArgument, delivery: participant.DeliveryNotSent, check: field("HoldURL")},
			faultRow{name: "HostileURL/AnnounceURL/" + bad.name, announce: true,
				edit: func(_ *participant.Ref, q *participant.UpdateRequest) { q.AnnounceURL = &bad.v },
				want: participant.CodeInvalidArgument, delivery: participant.DeliveryNotSent, check: field("AnnounceURL")},
		)
	}
	add(faultRow{name: "HostileCallToCoach/CRLF", needs: participant.NewFieldSet(participant.FieldCoaching, participant.FieldCallToCoach), edit: func(_ *participant.Ref, q *participant.UpdateRequest) {
		q.Coaching, q.CallToCoach = participant.Bool(true), participant.String("v3:x\r\nX: 1")
	}, want: participant.CodeInvalidArgument, delivery: participant.DeliveryNotSent, check: field("CallToCoach")})
	// Hostile servers and proxies that hand credentials back.
	add(
		faultRow{name: "Credentials/ReflectedInMalformedHeader", proxy: reflectAuthorization, want: participant.CodeUnavailable, reached: 3,
			delivery: participant.DeliveryMaybe},
		faultRow{name: "Credentials/JSONEscapedInErrorBody", fault: Fault{Status: 401, Message: secretMarker},
			proxy: forwardRewritingSecrets(jsonUnicodeEscape), want: participant.CodeUnauthenticated, reached: 1,
			delivery: participant.DeliveryAnswered},
		faultRow{name: "Credentials/EveryFormInErrorBody", fault: Fault{Status: 400, Message: secretMarker},
			proxy: forwardRewritingSecrets(everyForm), want: participant.CodeInvalidArgument, reached: 1,
			delivery: participant.DeliveryAnswered},
		faultRow{name: "Credentials/EveryFormInHTMLError", fault: Fault{Status: 502, Body: secretMarker},
			proxy: forwardRewritingSecrets(everyForm), announce: true, want: participant.CodeUnavailable, reached: 1,
			delivery: participant.DeliveryMaybe},
	)
	return rows
}

// vendorRows are the contract's documented 4xx errors, not retried.
func vendorRows(c Contract) []faultRow {
	var rows []faultRow
	for _, ec := range c.Errors {
		if ec.Status < 400 || ec.Status > 499 || ec.Status == http.StatusTooManyRequests {
			continue
		}
		rows = append(rows, faultRow{name: fmt.Sprintf("Vendor4xx/%s_%d_%s", ec.Name, ec.Status, ec.Code),
			fault: Fault{Status: ec.Status, Code: ec.Code}, want: ec.Want, reached: 1, delivery: participant.DeliveryAnswered,
			check: func(t *testing.T, err error) { assert.True(t, c.VendorError(err), "vendor error reachable: %v", err) }})
	}
	return rows
}

func field(name string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, name, pe.Field, "%v", err)
		assert.Less(t, len(err.Error()), 500, "the hostile value is not echoed")
	}
}

func attemptsOf(err error) int {
	var pe *participant.Error
	if errors.As(err, &pe) {
		return pe.Attempts
	}
	return -1
}

// passOne, queued before a fault, lets one request through first: a Fault
// with only a Delay serves its request (after 1ns here).
var passOne = Fault{Delay: time.Nanosecond}

// secretMarker in a fault's message is replaced, by the proxy, with the
// row's encoding of the harness's secrets.
const secretMarker = "@@SECRET@@"

func runFaultRow(t *testing.T, h Harness, row faultRow) {
	env := h.MakeEnv(t)
	row.fakeClock = row.fakeClock && fakeClockFits(env)
	if row.fakeClock {
		// The backend stays on loopback outside the bubble (a socket in
		// it would keep the clock from advancing); the proxy reaches it
		// without keep-alive connections.
		synctest.Test(t, func(t *testing.T) { runFaultRowIn(t, h, env, row) })
		return
	}
	runFaultRowIn(t, h, env, row)
}

// fakeClockFits reports whether env's cases can run under synctest while
// its backend stays on the real clock: not when the adapter mints a token
// per request (Env.CheckAuthorization), whose times would be the bubble's
// (synctest's clock starts in 2000) and which the backend would refuse as
// expired. Those harnesses run the fake-clock cases on the real clock.
func fakeClockFits(env *Env) bool { return env.CheckAuthorization == nil }

func runFaultRowIn(t *testing.T, h Harness, env *Env, row faultRow) {
	if row.fault != (Fault{}) {
		require.NoError(t, row.fault.Validate(), "the row's fault")
	}
	creds := credentials(env)
	require.NotEmpty(t, creds, "the harness names its credentials (Env.Authorization, Env.Secrets)")
	secrets := credentialForms(creds)
	px := startProxy(t, row, creds)
	core, logs := observer.New(zapcore.DebugLevel)
	opts := row.opts
	opts.Logger = zap.New(core)
	if opts.Retry == nil {
		opts.Retry = &driver.RetryPolicy{MaxRetries: 2, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond,
			MaxRetryAfter: 20 * time.Millisecond}
	} else if opts.Retry.WaitMin == 0 {
		p := *opts.Retry
		p.WaitMin, p.WaitMax = time.Millisecond, 5*time.Millisecond
		opts.Retry = &p
	}
	if opts.Timeout == 0 {
		opts.Timeout = faultDeadline
	}
	opts.HTTPClient = px.client()
	u, err := env.NewUpdater(opts)
	require.NoError(t, err)
	if row.announce {
		row.needs |= participant.NewFieldSet(participant.FieldAnnounceURL)
	}
	if missing := row.needs &^ u.Capabilities().Fields; missing != 0 {
		t.Skipf("%s not supported", missing)
	}
	c := h.Contract()
	if row.readBody && u.Capabilities().Readable == 0 {
		t.Skip("the carrier's update answers carry nothing the adapter reads, and it cannot read the participant back")
	}
	if c.ReadBack && row.readBody {
		env.Backend.Fail(passOne) // the update passes; the read-back gets the fault
		row.reached++
		row.delivery = participant.DeliveryApplied
	}
	if c.ReadBack && row.ok {
		row.reached++ // the read-back
	}
	p := env.NewParticipant()
	env.Backend.Seed(p)
	ref := participant.Ref{Conference: p.Conference, Call: p.CallID}
	req := participant.UpdateRequest{Muted: participant.Bool(true)}
	if row.announce {
		req = participant.UpdateRequest{AnnounceURL: participant.String("https://x.example/announce.mp3")}
	}
	if row.edit != nil {
		row.edit(&ref, &req)
	}
	if row.fault != (Fault{}) && !row.atProxy && !row.fault.Refuse {
		env.Backend.Fail(row.fault)
	}
	ctx, deadline := context.Background(), opts.Timeout
	if row.ctxTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, row.ctxTimeout)
		defer cancel()
		deadline = row.ctxTimeout
	}
	if opts.Timeout < 0 {
		deadline = row.ctxTimeout
	}
	start := time.Now()
	got, err := u.Update(ctx, ref, req)
	elapsed := time.Since(start)
	px.stop()

	slack := faultSlack
	if row.fakeClock {
		slack = 0 // synctest's clock: no scheduling delay
	}
	assert.LessOrEqual(t, elapsed, deadline+slack, "ended within the deadline (%s) plus %s", deadline, slack)
	assert.Equal(t, row.reached, int(px.requests.Load()), "requests that reached the network")
	if row.ok {
		require.NoError(t, err)
		assert.Equal(t, p.CallID, got.CallID)
	} else {
		require.Error(t, err)
		assert.ErrorIs(t, err, row.want, "%v", err)
		assert.Equal(t, row.want, participant.CodeOf(err), "%v", err)
		if !row.fault.Refuse {
			assert.Equal(t, row.reached, attemptsOf(err), "attempts in the error")
		}
		assert.Equal(t, row.delivery, participant.DeliveryOf(err), "how far the update got (Error.Delivery): %v", err)
		if row.check != nil {
			row.check(t, err)
		}
	}
	if row.announce && !row.ok && px.requests.Load() > 1 {
		t.Errorf("an announcement was replayed after an ambiguous failure")
	}
	assertNoCredential(t, secrets, err, logs)
}

// credentials returns the harness's credentials as the scrubber sees
// them: the Basic user and secret decoded from Env.Authorization, or the
// Bearer token, and every other Env.Secrets entry that is not the
// Authorization token itself.
func credentials(env *Env) []scrub.Secret {
	var creds []scrub.Secret
	if c, ok := scrub.FromAuthorization(env.Authorization); ok {
		creds = append(creds, c)
	}
	_, tok, _ := strings.Cut(env.Authorization, " ")
	for _, s := range env.Secrets {
		if s != tok && !slices.ContainsFunc(creds, func(c scrub.Secret) bool { return c.Value == s }) {
			creds = append(creds, scrub.Secret{Value: s})
		}
	}
	return creds
}

// credentialForms returns every form of creds the scrubber knows.
func credentialForms(creds []scrub.Secret) []string {
	var forms []string
	for _, c := range creds {
		forms = append(forms, scrub.Forms(c)...)
	}
	return forms
}

// assertNoCredential checks every form of err and of every error in its
// unwrap chain (both Unwrap shapes), and every captured log entry.
func assertNoCredential(t *testing.T, forms []string, err error, logs *observer.ObservedLogs) {
	t.Helper()
	texts := scrub.Texts(err)
	for _, e := range logs.All() {
		line, _ := json.Marshal(e.ContextMap())
		texts = append(texts, e.Message+" "+string(line))
	}
	for _, txt := range texts {
		for _, f := range forms {
			if strings.Contains(txt, f) {
				t.Errorf("a form of a credential (%q) is in %q", f, txt)
			}
		}
	}
}

// jsonUnicodeEscape spells every ASCII letter of a secret as \u00XX, as a
// JSON encoder may.
func jsonUnicodeEscape(c scrub.Secret) string {
	var b strings.Builder
	for _, r := range c.Value {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			fmt.Fprintf(&b, `\u%04X`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// everyForm joins every encoding of a secret the scrubber knows, as a
// reflecting server might send them.
func everyForm(c scrub.Secret) string { return strings.Join(scrub.Forms(c), " ") }

// proxy is a row's network: every dial of the adapter reaches it (or is
// refused); it reads one request per connection and serves it with the
// row's proxyFunc or forwards it to the backend.
type proxy struct {
	t        *testing.T
	ln       net.Listener
	dial     func(ctx context.Context, network, addr string) (net.Conn, error) // reaches ln
	row      faultRow
	creds    []scrub.Secret
	backend  atomic.Value // string: the address the adapter dialled
	requests atomic.Int32
	// uses are the uses left of the row's fault when the proxy injects it
	// (-1: unlimited).
	uses     atomic.Int32
	done     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

func startProxy(t *testing.T, row faultRow, creds []scrub.Secret) *proxy {
	px := &proxy{t: t, row: row, creds: creds, done: make(chan struct{})}
	if row.atProxy || row.fault.Refuse {
		px.uses.Store(int32(uses(row.fault)))
	}
	if row.fakeClock {
		var mn memnet.Network
		px.ln, px.dial = mn.Listen("proxy.test:80"), mn.Dial
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		px.ln, px.dial = ln, (&net.Dialer{}).DialContext
	}
	px.wg.Add(1)
	go px.serve()
	t.Cleanup(px.stop)
	return px
}

func (px *proxy) stop() {
	px.stopOnce.Do(func() {
		close(px.done)
		px.ln.Close()
		px.wg.Wait()
	})
}

// client returns an HTTP client whose every dial reaches the proxy, or
// is refused while the row's Refuse fault lasts.
func (px *proxy) client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		px.backend.Store(addr)
		if px.row.fault.Refuse && take(&px.uses) {
			return nil, refusedDial(network)
		}
		return px.dial(ctx, "tcp", px.ln.Addr().String())
	}
	return &http.Client{Transport: tr}
}

// uses is how many requests (or dials) f serves: Times, 0 meaning 1, -1
// unlimited.
func uses(f Fault) int {
	if f.Times == 0 {
		return 1
	}
	return f.Times
}

// take takes one use of a fault from left (-1: unlimited), and reports
// whether there was one.
func take(left *atomic.Int32) bool {
	for {
		n := left.Load()
		switch {
		case n < 0:
			return true
		case n == 0:
			return false
		case left.CompareAndSwap(n, n-1):
			return true
		}
	}
}

// refusedDial is the error of a dial that a Fault.Refuse refused.
func refusedDial(network string) error {
	return &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// inject applies the row's connection fault f to c, whose request was
// read, as a fake applies it: after f.Delay (or until the row ends), Drop
// closes c, Reset resets it, Hang reads until the client gives up or the
// row ends, Truncate forwards the request and sends its answer cut short
// (fault.Truncated), then closes or resets c, and Trickle sends headers and
// a space every f.Trickle, never the whole body.
func (px *proxy) inject(c net.Conn, f Fault, call proxyCall) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-px.done:
			return
		}
	}
	reset := func() {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST, not FIN
		}
	}
	switch {
	case f.Truncate && f.Status == 0 && f.Body == "":
		resp := call.forward()
		if resp == nil {
			return
		}
		b, _ := io.ReadAll(resp.Body)
		_, _ = c.Write(fault.Truncated(resp.StatusCode, resp.Header, b))
		if f.Reset {
			reset()
		}
	case f.Reset:
		reset()
	case f.Hang:
		_, _ = io.Copy(io.Discard, c) // until the client gives up or the row ends
	case f.Trickle > 0:
		if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 1<<20); err != nil {
			return
		}
		t := time.NewTicker(f.Trickle)
		defer t.Stop()
		for range 1<<20 - 1 {
			select {
			case <-px.done:
				return
			case <-t.C:
			}
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	case f.Drop:
	default:
		px.t.Errorf("the proxy injects the connection kinds of a Fault (drop, reset, hang, truncate, trickle); inject %+v at the backend", f)
	}
}

func (px *proxy) serve() {
	defer px.wg.Done()
	for {
		c, err := px.ln.Accept()
		if err != nil {
			return
		}
		px.wg.Add(1)
		go func() {
			defer px.wg.Done()
			defer c.Close()
			px.serveConn(c)
		}()
	}
}

func (px *proxy) serveConn(c net.Conn) {
	go func() { // unblock a hanging handler when the row ends
		<-px.done
		c.Close()
	}()
	r, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	n := int(px.requests.Add(1))
	call := proxyCall{creds: px.creds, forward: func() *http.Response { return px.forward(r, body) }}
	if px.row.atProxy && take(&px.uses) {
		px.inject(c, px.row.fault, call)
		return
	}
	if px.row.proxy != nil && (px.row.proxyConns == 0 || n <= px.row.proxyConns) {
		px.row.proxy(c, r, call)
		return
	}
	if resp := call.forward(); resp != nil {
		writeResponse(c, resp)
	}
}

// forward sends r to the backend and returns its answer, read in full.
func (px *proxy) forward(r *http.Request, body []byte) *http.Response {
	addr, _ := px.backend.Load().(string)
	out, err := http.NewRequest(r.Method, "http://"+addr+r.RequestURI, bytes.NewReader(body))
	if err != nil {
		return nil
	}
	out.Header = r.Header.Clone()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(out)
	if err != nil {
		return nil // the backend closed the connection (Fault.Drop): so does the proxy
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp
}

// writeResponse writes resp to c and ends the connection.
func writeResponse(c net.Conn, resp *http.Response) {
	resp.Close = true
	resp.Header.Del("Content-Length")
	resp.TransferEncoding = nil
	_ = resp.Write(c)
}

// forwardRewritingSecrets forwards, then replaces the marker in the
// answer's body with enc of each secret.
func forwardRewritingSecrets(enc func(scrub.Secret) string) proxyFunc {
	return func(c net.Conn, _ *http.Request, call proxyCall) {
		resp := call.forward()
		if resp == nil {
			return
		}
		b, _ := io.ReadAll(resp.Body)
		var encoded []string
		for _, s := range call.creds {
			encoded = append(encoded, enc(s))
		}
		b = bytes.ReplaceAll(b, []byte(secretMarker), []byte("token "+strings.Join(encoded, " ")))
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		writeResponse(c, resp)
	}
}

func redirectProxy(status int) proxyFunc {
	return func(c net.Conn, r *http.Request, call proxyCall) {
		fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nLocation: https://elsewhere.example%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			status, http.StatusText(status), r.RequestURI)
	}
}

// reflectAuthorization answers with a malformed header line that repeats
// the request's Authorization value, as a broken proxy might.
func reflectAuthorization(c net.Conn, r *http.Request, call proxyCall) {
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%s\r\nContent-Length: 0\r\n\r\n", r.Header.Get("Authorization"))
}
