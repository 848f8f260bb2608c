// Package httpx is the HTTP plumbing every carrierkit adapter shares: one
// retrying client per adapter over pooled keep-alive connections, a bounded
// response reader, the User-Agent, and zap logging that never sees
// credentials.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/internal/wait"
	"github.com/carrierkit/carrierkit/participant"
)

// DefaultMaxBodyBytes bounds how much of a response body is read.
const DefaultMaxBodyBytes = 1 << 20

// Options configure a Client: the adapter's name plus the options every
// adapter takes, so a new option is added in one place (driver.Options).
type Options struct {
	// Provider names the adapter in logs ("twilio", "texml").
	Provider string
	// Scrub removes the adapter's credentials from every error the client
	// returns or logs (a proxy may echo the Authorization header into a
	// malformed answer). Nil scrubs nothing.
	Scrub *scrub.Scrubber
	// Authorize, when set, mints the Authorization value of every attempt
	// after the first (whose value is Request.Authorization): a token
	// signed per request is not sent twice.
	Authorize func() (string, error)
	driver.Options
}

// Client sends requests with retries. It is safe for concurrent use.
type Client struct {
	rc       retryablehttp.Client
	hc       *http.Client // the caller's or the default client, for CloseIdleConnections
	log      *zap.Logger
	provider string
	ua       string
	maxBody  int64
	policy   driver.RetryPolicy
	scrub    *scrub.Scrubber
	timeout  time.Duration // whole-call bound (the context's deadline wins when sooner); 0: none
	attempt  time.Duration // each attempt's bound (keepPool); 0: none
}

// NewTransport returns the transport used when no HTTPClient is given: the
// default transport's settings with an idle pool large enough that
// concurrent updates reuse connections instead of opening new ones.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// New returns a Client for opts.
func New(opts Options) *Client {
	c := &Client{
		log:      opts.Logger,
		provider: opts.Provider,
		ua:       "carrierkit/" + driver.Version,
		maxBody:  opts.MaxBodyBytes,
		policy:   driver.DefaultRetryPolicy(),
		scrub:    opts.Scrub,
		timeout:  orDefault(opts.Timeout, driver.DefaultTimeout),
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	if opts.UserAgent != "" {
		c.ua += " " + opts.UserAgent
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	if opts.Retry != nil {
		c.policy = opts.Retry.WithDefaults()
	}
	c.hc = opts.HTTPClient
	if c.hc == nil {
		t := NewTransport()
		t.MaxConnsPerHost = opts.MaxConnsPerHost
		c.hc = &http.Client{Transport: t}
	}
	// retryablehttp gets a copy of the client that never follows redirects
	// (a redirected POST would turn into a GET and report success without
	// updating anything, with the credentials sent on) and whose transport
	// hides CloseIdleConnections: retryablehttp calls it after every failed
	// request, which would empty the whole pool.
	hc := *c.hc
	// Each attempt is bounded by the transport wrapper, with a context: an
	// http.Client Timeout would cost a goroutine and some twenty
	// allocations per attempt. A client's own Timeout stays when
	// AttemptTimeout is left zero.
	var attemptTimeout time.Duration
	if opts.AttemptTimeout != 0 || hc.Timeout == 0 {
		attemptTimeout, hc.Timeout = orDefault(opts.AttemptTimeout, driver.DefaultAttemptTimeout), 0
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.attempt = attemptTimeout
	kp := keepPool{rt: rt, timeout: attemptTimeout}
	if attemptTimeout > 0 {
		kp.w = &watchdog{timeout: attemptTimeout}
	}
	hc.Transport = kp
	c.rc = retryablehttp.Client{
		HTTPClient:     &hc,
		RetryWaitMin:   c.policy.WaitMin,
		RetryWaitMax:   c.policy.WaitMax,
		RetryMax:       c.policy.MaxRetries,
		RequestLogHook: c.startAttempt,
		CheckRetry:     c.checkRetry,
		Backoff:        noWait, // checkRetry waits
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
	}
	if opts.Authorize != nil {
		c.rc.PrepareRetry = func(req *http.Request) error {
			v, err := opts.Authorize()
			if err != nil {
				return err
			}
			req.Header["Authorization"] = []string{v}
			return nil
		}
	}
	return c
}

// orDefault returns d for 0, 0 (no bound) for a negative v, else v.
func orDefault(v, d time.Duration) time.Duration {
	switch {
	case v == 0:
		return d
	case v < 0:
		return 0
	}
	return v
}

// keepPool is a transport without CloseIdleConnections that bounds each
// attempt, body included, by timeout (0: no bound).
type keepPool struct {
	rt      http.RoundTripper
	timeout time.Duration
	w       *watchdog // ends the attempts sent through Do
}

func (k keepPool) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.timeout <= 0 {
		return k.rt.RoundTrip(r)
	}
	if b, ok := r.Context().(*bound); ok && b.owner != nil {
		// The first attempt of a call Do found nothing above can cancel:
		// its request was made with the attempt's bound as its context
		// already (no copy of the request for it).
		st := b.owner
		dl, _ := st.Deadline()
		k.w.add(b, dl)
		st.cur = b
		resp, err := k.rt.RoundTrip(r)
		if err != nil {
			st.releaseAttempt()
		}
		return resp, err
	}
	dl, ok := r.Context().Deadline()
	if ok && time.Until(dl) <= k.timeout {
		return k.rt.RoundTrip(r) // the call's deadline comes first: no second timer
	}
	if st := stateOf(r.Context()); st != nil && st.bound.Context.Done() == nil {
		// Nothing above can cancel the call: the attempt's bound is the
		// watchdog's, without a timer or a context.WithTimeout of its own.
		// checkRetry releases it once the body is read.
		b := &st.first
		if st.n > 1 {
			b = new(bound)
		}
		b.Context = st
		k.w.add(b, dl)
		st.cur = b
		resp, err := k.rt.RoundTrip(r.WithContext(b))
		if err != nil {
			st.releaseAttempt()
		}
		return resp, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), k.timeout)
	resp, err := k.rt.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{resp.Body, cancel}
	return resp, nil
}

// cancelBody releases an attempt's timer when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func noWait(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }

// CloseIdleConnections closes the idle connections of the client's
// transport (the caller's, when Options.HTTPClient was set).
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// HTTPClient returns the caller's or the default client (not the copy
// requests are sent with, which never follows redirects).
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Request is one logical request; it may take several attempts.
type Request struct {
	Method string
	URL    string
	// Authorization is the header value; it is never logged.
	Authorization string
	// Body is the request body, or nil; ContentType is its media type
	// (application/x-www-form-urlencoded when empty).
	Body        []byte
	ContentType string
	// Idempotent requests are retried after connection failures and 5xx;
	// others only where the server cannot have acted (connection refused, 429).
	Idempotent bool
}

// Response is what the last attempt returned.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Attempts int
	// Ambiguous reports that an attempt reached the carrier, or may have,
	// without an answer that settles whether it acted: a 5xx, or a failure
	// after the request may have been written (a reset, a timeout). It
	// stays set whatever the later attempts got.
	Ambiguous bool
}

// ErrBodyTooLarge is returned when a response body exceeds MaxBodyBytes.
var ErrBodyTooLarge = errors.New("response body too large")

// attempt is the per-request state shared by the retry hooks. It travels
// as the request's context (attemptCtx), so a request costs one
// allocation for it, not a state struct plus a context.WithValue, and the
// hooks find it with a type assertion instead of a Value walk.
type attempt struct {
	n          int
	base       int // attempts sent before retryablehttp's loop took over
	max        int // attempts allowed: 1+MaxRetries, within the context's retry budget
	start      time.Time
	idempotent bool
	ambiguous  bool // an attempt may have acted (Response.Ambiguous)
	method     string
	url        *url.URL // for the log line's path, escaped only when logging
	body       []byte   // the last answer's body, read inside the retry decision
}

// attemptCtx is the context of a request sent through Do: the caller's
// context (cancellation, deadline and values pass through unchanged), with
// the call's bound when the caller's context cannot be canceled, plus the
// attempt state. It also holds what a request would otherwise allocate
// apart: the retryablehttp request, the body reader of the first attempt
// and the bound of the first attempt.
type attemptCtx struct {
	bound
	attempt
	first   bound  // the first attempt's bound (keepPool)
	cur     *bound // the bound of the attempt under way, nil when none
	req     retryablehttp.Request
	reqBody []byte
	rd      bytes.Reader // the first attempt's body reader
}

// releaseAttempt ends the bound of the attempt under way, if any.
func (st *attemptCtx) releaseAttempt() {
	if st.cur != nil {
		st.cur.release()
		st.cur = nil
	}
}

// bodyReader is the request's retryablehttp.ReaderFunc, once the request
// is handed to retryablehttp for its retries: it calls it once to learn the
// length, then once per attempt. Each gets a reader of its own, since
// net/http may still be reading the first attempt's (it can close a
// request body after RoundTrip returns). A *bytes.Reader lets net/http
// send headers and body in one write.
func (st *attemptCtx) bodyReader() (io.Reader, error) {
	return bytes.NewReader(st.reqBody), nil
}

// newBody is the first attempt's GetBody, for net/http to send the body
// again on a fresh connection.
func (st *attemptCtx) newBody() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(st.reqBody)), nil
}

// attempts sends st's request until it succeeds or checkRetry stops it.
// The first attempt is sent here with the steps retryablehttp's loop takes
// for each one (the RequestLogHook, the request, CheckRetry), without its
// per-request setup (SetBody's probe and closure, the loop's bookkeeping),
// which was 3-4% of an update's client-side time. When that attempt asks
// for a retry, the steps retryablehttp takes before a retry are taken
// here, and the request goes on through retryablehttp.Client.Do, which
// sends and paces every further attempt: go-retryablehttp stays the
// mechanism that retries.
func (c *Client) attempts(st *attemptCtx) (*http.Response, error) {
	hr := st.req.Request
	if st.reqBody != nil {
		st.rd.Reset(st.reqBody)
		hr.Body, hr.ContentLength, hr.GetBody = io.NopCloser(&st.rd), int64(len(st.reqBody)), st.newBody
	}
	c.startAttempt(nil, hr, 0)
	resp, doErr := c.rc.HTTPClient.Do(hr)
	retry, checkErr := c.checkRetry(hr.Context(), resp, doErr)
	if !retry || c.rc.RetryMax <= 0 {
		// What retryablehttp returns then, with PassthroughErrorHandler
		// (its CloseIdleConnections reaches no pool: keepPool hides it).
		if checkErr != nil {
			return resp, checkErr
		}
		return resp, doErr
	}
	// Before a retry, retryablehttp drains the answer (checkRetry has read
	// it), waits (checkRetry has waited; a call that ended meanwhile ends
	// here), copies the request (net/http may still hold the first) and
	// calls PrepareRetry. The copy is made under st: the first attempt's
	// bound, when it was the request's context, has ended, and the next
	// attempts get their own (retryablehttp waits on this context too).
	if doErr == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, respReadLimit))
		resp.Body.Close()
	}
	if err := st.Err(); err != nil {
		return nil, err
	}
	st.req.Request = st.req.Request.WithContext(st)
	if c.rc.PrepareRetry != nil {
		if err := c.rc.PrepareRetry(st.req.Request); err != nil {
			return resp, err
		}
	}
	var err error
	if st.reqBody != nil {
		err = st.req.SetBody(retryablehttp.ReaderFunc(st.bodyReader))
	} else {
		err = st.req.SetBody(nil)
	}
	if err != nil {
		return nil, err
	}
	st.base = 1 // retryablehttp counts its attempts from 0 again
	return c.rc.Do(&st.req)
}

// respReadLimit is how much of an answer retryablehttp drains before a
// retry.
const respReadLimit = 4096

// Do sends r. A non-nil error means no usable response arrived; resp.Attempts
// is set either way. Non-2xx responses are returned, not turned into errors.
func (c *Client) Do(ctx context.Context, r *Request) (Response, error) {
	st := &attemptCtx{attempt: attempt{idempotent: r.Idempotent, method: r.Method, max: 1 + c.policy.MaxRetries}}
	st.bound.Context = ctx
	if budget, ok := participant.RetryBudget(ctx); ok {
		st.max = min(st.max, 1+budget)
	}
	now := time.Now()
	dl, hasDeadline := ctx.Deadline()
	if c.timeout > 0 && (!hasDeadline || dl.Sub(now) > c.timeout) {
		// The call's bound, unless the context's deadline comes sooner. A
		// context that cannot be canceled gets st's own (no timer unless
		// something waits on it); else a context.WithTimeout.
		if ctx.Done() == nil {
			st.deadline = now.Add(c.timeout)
			dl, hasDeadline = st.deadline, true
		} else {
			var cancel context.CancelFunc
			st.bound.Context, cancel = context.WithTimeout(ctx, c.timeout)
			defer cancel()
		}
	}
	defer st.finish()
	// The request's context is st, or, when the first attempt will be
	// bounded by the watchdog (keepPool: nothing above can cancel the call,
	// and its deadline is later than the attempt's), that attempt's bound,
	// so keepPool need not copy the request to give it one. attempts puts
	// st back before a retry.
	var reqCtx context.Context = st
	if c.attempt > 0 && st.bound.Context.Done() == nil && (!hasDeadline || dl.Sub(now) > c.attempt) {
		st.first.Context, st.first.owner = st, st
		reqCtx = &st.first
	}
	hr, err := newRequest(reqCtx, r.Method, r.URL)
	if err != nil {
		return Response{}, c.transportError(err)
	}
	req := &st.req
	req.Request = hr
	st.reqBody = r.Body
	st.url = req.URL
	// The header values share one backing array: one allocation, not one
	// per header. Each slice is capped, so an append cannot overwrite its
	// neighbour.
	shared := []string{c.ua, "application/json", r.Authorization, "application/x-www-form-urlencoded"}
	h := req.Header
	h["User-Agent"] = shared[0:1:1]
	h["Accept"] = shared[1:2:2]
	if r.Authorization != "" {
		h["Authorization"] = shared[2:3:3]
	}
	if r.Body != nil {
		if r.ContentType != "" {
			shared[3] = r.ContentType
		}
		h["Content-Type"] = shared[3:4:4]
	}
	resp, err := c.attempts(st)
	out := Response{Attempts: st.n, Ambiguous: st.ambiguous}
	if resp != nil {
		resp.Body.Close() // read (or drained) by checkRetry
		out.Status, out.Header = resp.StatusCode, resp.Header
	}
	if err != nil {
		if ctxErr := st.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return out, c.transportError(err)
	}
	out.Body = st.body
	return out, nil
}

// readBody reads at most max bytes of body. A body of announced length
// (the usual case) is read into one exactly sized buffer. A body of
// unknown length (or anything past the announced length) is read into
// pooled chunks and copied once into an exactly sized buffer, so a read
// allocates about the body's size, never a growing buffer's trail of
// copies. (Doubling growth would cost 2–4x the body in allocations.)
func readBody(body io.Reader, length, max int64) ([]byte, error) {
	var head []byte
	if length >= 0 && length <= max {
		head = make([]byte, length, length+1)
		if _, err := io.ReadFull(body, head); err != nil {
			return nil, err
		}
		// One byte more, into the spare one: the usual answer ends here.
		n, err := body.Read(head[length : length+1])
		head = head[:length+int64(n)]
		switch {
		case n == 0 && err == io.EOF:
			return head, nil
		case int64(len(head)) > max:
			return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, max)
		case err == io.EOF:
			return head, nil // one byte longer than announced
		case err != nil:
			return nil, err
		}
	}
	var first [4]*[chunkSize]byte // up to 64 KiB of chunk pointers without an allocation
	chunks := first[:0]
	size, tail := int64(len(head)), 0
	var err error
	for {
		c := chunkPool.Get().(*[chunkSize]byte)
		chunks = append(chunks, c)
		var n int
		n, err = fill(body, c[:])
		size, tail = size+int64(n), n
		if size > max {
			err = fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, max)
			break
		}
		if err != nil {
			break
		}
	}
	var buf []byte
	switch {
	case err != io.EOF:
		head = nil
	case size == int64(len(head)):
		err = nil // the usual case: the body was as long as announced
	default:
		err = nil
		buf = make([]byte, 0, size)
		buf = append(buf, head...)
		for i, c := range chunks {
			n := chunkSize
			if i == len(chunks)-1 {
				n = tail
			}
			buf = append(buf, c[:n]...)
		}
		head = buf
	}
	for _, c := range chunks {
		chunkPool.Put(c)
	}
	return head, err
}

const chunkSize = 16 << 10

var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// fill reads into p until it is full or the reader fails; the error is the
// reader's, io.EOF at the end of the body.
func fill(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// finish ends what Do started: the attempt bound, if one is still under
// way, and the call's timer, if Done started one.
func (st *attemptCtx) finish() {
	st.releaseAttempt()
	if !st.deadline.IsZero() {
		st.bound.end(context.Canceled)
	}
}

// sinceStart is the latency of an attempt that started at start, 0 when
// its start was not taken (debug logging was turned on meanwhile).
func sinceStart(start time.Time) time.Duration {
	if start.IsZero() {
		return 0
	}
	return time.Since(start)
}

// stateOf returns the state of a request sent through Do, from its
// context: st, or st's first attempt bound.
func stateOf(ctx context.Context) *attemptCtx {
	switch c := ctx.(type) {
	case *attemptCtx:
		return c
	case *bound:
		return c.owner
	}
	return nil
}

func (c *Client) startAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	if st := stateOf(req.Context()); st != nil {
		st.n = st.base + i + 1
		if c.log.Core().Enabled(zapcore.DebugLevel) {
			st.start = time.Now() // for the log line's latency only
		}
	}
}

// checkRetry logs the attempt, then decides whether to try again.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	if st == nil { // not sent through Do
		return false, nil
	}
	ctx = st // the call's context, not the first attempt's bound, which ends with it
	// The body is read here, inside the decision, so a connection that
	// fails mid-body is a failed attempt like any other (retried when the
	// request is idempotent), not an error after the loop.
	var readErr error
	if err == nil && resp != nil {
		st.body, readErr = readBody(resp.Body, resp.ContentLength, c.maxBody)
		err = readErr
	}
	st.releaseAttempt() // the attempt's bound covered the body read
	if ce := c.log.Check(zapcore.DebugLevel, "carrier request"); ce != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		fields := []zap.Field{zap.String("provider", c.provider), zap.String("method", st.method),
			zap.String("path", st.url.EscapedPath()), zap.Int("status", status), zap.Int("attempt", st.n),
			zap.Duration("latency", sinceStart(st.start))}
		if err != nil {
			fields = append(fields, zap.String("error", c.scrub.String(err.Error())))
		}
		ce.Write(fields...)
	}
	if err != nil && !NotSent(err) || err == nil && resp != nil && resp.StatusCode >= 500 {
		st.ambiguous = true
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if readErr != nil {
		resp = nil // the decision is about the failed read, not the status
	}
	retry := st.n < st.max
	if retry && resp != nil && resp.StatusCode == http.StatusTooManyRequests && st.method != http.MethodGet &&
		participant.RateLimitsHandled(ctx) {
		// The caller's shared limiter waits out a write's 429 (a batch
		// sends the update again). A read (a read-back after the update
		// was applied, a read before the first call) is retried here: the
		// caller cannot send it again on its own.
		retry = false
	}
	if retry && c.policy.CheckRetry != nil {
		retry = c.policy.CheckRetry(ctx, st.idempotent, resp, err)
	} else if retry {
		retry = Retryable(st.idempotent, resp, err)
	}
	if !retry {
		return false, readErr
	}
	wait := c.backoff(st.n-1, resp)
	if !WaitFits(ctx, wait) {
		return false, readErr // the carrier's answer is worth more than a wait that cannot finish
	}
	if ce := c.log.Check(zapcore.DebugLevel, "carrier request retry"); ce != nil {
		ce.Write(zap.String("provider", c.provider), zap.String("path", st.url.EscapedPath()),
			zap.Int("attempt", st.n), zap.Duration("wait", wait))
	}
	// Wait here, where the wait was judged against the deadline, so a
	// Backoff with jitter is called once and cannot sleep past what was
	// checked. The body was read above, so the connection is back in the
	// pool during the wait.
	if err := Wait(ctx, wait); err != nil {
		return false, err
	}
	return true, nil
}

// WaitFits reports whether a wait of d ends before ctx's deadline (always,
// when ctx has none).
func WaitFits(ctx context.Context, d time.Duration) bool { return wait.Fits(ctx, d) }

// Wait waits d, or fails with ctx.Err() when ctx ends first. Judge the wait
// with WaitFits first: Wait does not look at the deadline.
func Wait(ctx context.Context, d time.Duration) error { return wait.For(ctx, d) }

// Retryable is the built-in retry decision. 429 is always retried (the
// carrier refused before acting); a request that never reached the carrier
// (NotSent) is always retried, unless its certificate was not trusted. Idempotent requests are also retried after
// other connection failures, attempt timeouts, failed body reads and 5xx
// responses other than 501. A canceled request and a too large body are
// never retried.
func Retryable(idempotent bool, resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, ErrBodyTooLarge) {
			return false
		}
		if NotSent(err) {
			return !certificateError(err) // an untrusted certificate stays untrusted
		}
		if !idempotent {
			return false
		}
		if isTimeout(err) { // the attempt's bound (checkRetry stops first when the call's is reached)
			return true
		}
		ok, _ := retryablehttp.DefaultRetryPolicy(context.Background(), nil, err)
		return ok
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	return idempotent && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented
}

// backoff is the wait before retry number i (0-based). A 429 or 503
// Retry-After is honoured up to MaxRetryAfter; otherwise exponential backoff.
func (c *Client) backoff(i int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := RetryAfter(resp.StatusCode, resp.Header); ok {
			return min(d, c.policy.MaxRetryAfter)
		}
	}
	return Backoff(&c.policy, i, resp)
}

// Backoff is p's wait before retry number i (0-based) when the carrier
// named none (wait.Backoff).
func Backoff(p *driver.RetryPolicy, i int, resp *http.Response) time.Duration {
	return wait.Backoff(p, i, resp)
}

// RetryAfter parses the Retry-After header of a 429 or 503 response, in
// seconds or as an HTTP date; other statuses have none.
func RetryAfter(status int, h http.Header) (time.Duration, bool) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return 0, false
	}
	return ParseRetryAfter(h.Get("Retry-After"))
}

// ParseRetryAfter parses a Retry-After value: seconds or an HTTP date.
func ParseRetryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
