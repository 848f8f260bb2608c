package live

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carrierkit/carrierkit/internal/scrub"
)

// EmulatorHeader is the header carrierctl emulate sets on every answer
// (internal/emulator.Header); a run that sees it was against the emulator.
const EmulatorHeader = "X-Carrierkit-Emulator"

// Exchange is one HTTP request a check sent and the answer it got, with
// every credential redacted.
type Exchange struct {
	Check string // id of the check that sent it
	Op    string // fetch, update, list or remove
	// BadAuth marks requests sent with deliberately wrong credentials;
	// Corrupted marks requests whose body was made invalid on purpose.
	BadAuth, Corrupted bool

	Method, Host, Path, RawQuery string // Path is escaped, as sent
	RequestHeader                http.Header
	RequestBody                  []byte

	Status         int // 0: no answer (see Err)
	ResponseHeader http.Header
	ResponseBody   []byte
	Err            string

	Start    time.Time
	Duration time.Duration // until the answer's body was read
}

// Recorder is an http.RoundTripper that records every request a check
// sends and its answer. It counts what reaches the wire, so a check can
// prove that a refused request sent nothing. Safe for concurrent use.
type Recorder struct {
	next http.RoundTripper

	mu        sync.Mutex
	exchanges []Exchange
	seen      []string       // Authorization values noted
	secrets   []scrub.Secret // what they carry
	scrubber  *scrub.Scrubber
}

// NewRecorder returns a Recorder sending through next (nil: a clone of
// http.DefaultTransport).
func NewRecorder(next http.RoundTripper) *Recorder {
	if next == nil {
		next = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &Recorder{next: next}
}

// tag is what a check tells the recorder about the requests it sends.
type tag struct {
	check, op          string
	badAuth, corrupted bool
	changed            *atomic.Bool // set when corrupting changed a body
}

type tagKey struct{}

func withTag(ctx context.Context, f func(*tag)) context.Context {
	t, _ := ctx.Value(tagKey{}).(tag)
	f(&t)
	return context.WithValue(ctx, tagKey{}, t)
}

func tagOf(ctx context.Context) tag {
	t, _ := ctx.Value(tagKey{}).(tag)
	return t
}

// maxRecorded bounds the body bytes kept per request or answer.
const maxRecorded = 1 << 20

// RoundTrip records req and its answer. A request tagged as corrupted has
// its boolean values replaced by an invalid one before it is sent, to see
// how the carrier answers a value the adapter would refuse.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	t := tagOf(req.Context())
	r.noteSecrets(req.Header.Get("Authorization"))
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if t.corrupted {
		orig := body
		if body = corrupt(body); t.changed != nil && !bytes.Equal(orig, body) {
			t.changed.Store(true)
		}
	}
	out := req.Clone(req.Context())
	if req.Body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	x := Exchange{Check: t.check, Op: t.op, BadAuth: t.badAuth, Corrupted: t.corrupted,
		Method: req.Method, Host: req.URL.Host, Path: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery,
		RequestHeader: req.Header.Clone(), RequestBody: body, Start: time.Now()}
	resp, err := r.next.RoundTrip(out)
	if err != nil {
		x.Err = err.Error()
		x.Duration = time.Since(x.Start)
		r.add(x)
		return nil, err
	}
	rb, rerr := io.ReadAll(io.LimitReader(resp.Body, maxRecorded+1))
	_ = resp.Body.Close()
	x.Duration = time.Since(x.Start)
	x.Status, x.ResponseHeader, x.ResponseBody = resp.StatusCode, resp.Header.Clone(), rb
	if rerr != nil {
		x.Err = rerr.Error()
	}
	r.add(x)
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(rb), errReader{rerr}))
	return resp, nil
}

// errReader ends a replayed body with the error the original read had.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// corrupt replaces the boolean values of a form or JSON body with
// "maybe", which no carrier documents.
func corrupt(body []byte) []byte {
	for _, r := range [...][2]string{
		{"=true", "=maybe"}, {"=false", "=maybe"}, {":true", `:"maybe"`}, {":false", `:"maybe"`},
		{": true", `: "maybe"`}, {": false", `: "maybe"`}} {
		body = bytes.ReplaceAll(body, []byte(r[0]), []byte(r[1]))
	}
	return body
}

func (r *Recorder) add(x Exchange) {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, x)
	r.mu.Unlock()
}

// noteSecrets remembers the secret an Authorization value carries, to
// scrub it from everything the recorder hands out.
func (r *Recorder) noteSecrets(authorization string) {
	if authorization == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.seen, authorization) {
		return
	}
	r.seen = append(r.seen, authorization)
	if s, ok := scrub.FromAuthorization(authorization); ok && !slices.Contains(r.secrets, s) {
		r.secrets = append(r.secrets, s)
		r.scrubber = scrub.New(r.secrets...)
	}
}

// Sent returns how many requests reached the recorder so far.
func (r *Recorder) Sent() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges)
}

// Scrub returns s with every credential the recorder saw redacted.
func (r *Recorder) Scrub(s string) string {
	r.mu.Lock()
	sc := r.scrubber
	r.mu.Unlock()
	return sc.String(s)
}

// redactedHeaders never show their values.
var redactedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Exchanges returns the recorded exchanges, oldest first, with the
// credential headers reduced to their scheme and every credential the
// recorder saw scrubbed from URLs, headers and bodies.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	xs := slices.Clone(r.exchanges)
	sc := r.scrubber
	r.mu.Unlock()
	scrubHeader := func(h http.Header) http.Header {
		h = h.Clone()
		for k, vs := range h {
			for i, v := range vs {
				if slices.ContainsFunc(redactedHeaders, func(n string) bool { return strings.EqualFold(n, k) }) {
					scheme, _, _ := strings.Cut(v, " ")
					if scheme == v || strings.EqualFold(k, "Cookie") || strings.EqualFold(k, "Set-Cookie") {
						scheme = ""
					}
					v = strings.TrimSpace(scheme + " " + scrub.Redacted)
				}
				vs[i] = sc.String(v)
			}
		}
		return h
	}
	for i := range xs {
		x := &xs[i]
		x.Host = sc.String(x.Host)
		x.Path = sc.String(x.Path)
		x.RawQuery = sc.String(x.RawQuery)
		x.Err = sc.String(x.Err)
		x.RequestHeader, x.ResponseHeader = scrubHeader(x.RequestHeader), scrubHeader(x.ResponseHeader)
		x.RequestBody = bytes.Clone(sc.Bytes(x.RequestBody))
		x.ResponseBody = bytes.Clone(sc.Bytes(x.ResponseBody))
	}
	return xs
}

// Hosts returns the hosts the requests went to, in order of first use.
func (r *Recorder) Hosts() []string {
	var hosts []string
	for _, x := range r.Exchanges() {
		if !slices.Contains(hosts, x.Host) {
			hosts = append(hosts, x.Host)
		}
	}
	return hosts
}

// Emulator reports whether an answer came from carrierctl emulate.
func (r *Recorder) Emulator() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.exchanges {
		if x.ResponseHeader.Get(EmulatorHeader) != "" {
			return true
		}
	}
	return false
}

// WriteTranscript writes the exchanges to dir, one file per check
// (<check id>.http), each exchange as the request and answer in HTTP/1.1
// text form, credentials redacted.
func (r *Recorder) WriteTranscript(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]*bytes.Buffer{}
	var order []string
	for i, x := range r.Exchanges() {
		name := x.Check
		if name == "" {
			name = "unattributed"
		}
		b := files[name]
		if b == nil {
			b = new(bytes.Buffer)
			files[name] = b
			order = append(order, name)
		}
		writeExchange(b, i+1, x)
	}
	for _, name := range order {
		if err := os.WriteFile(filepath.Join(dir, name+".http"), files[name].Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeExchange(b *bytes.Buffer, n int, x Exchange) {
	fmt.Fprintf(b, "### %d %s", n, x.Op)
	if x.BadAuth {
		b.WriteString(" (wrong credentials)")
	}
	if x.Corrupted {
		b.WriteString(" (invalid value on purpose)")
	}
	fmt.Fprintf(b, " at %s, %s\n", x.Start.UTC().Format(time.RFC3339Nano), x.Duration.Round(time.Microsecond))
	target := x.Path
	if x.RawQuery != "" {
		target += "?" + x.RawQuery
	}
	fmt.Fprintf(b, "%s %s HTTP/1.1\nHost: %s\n", x.Method, target, x.Host)
	writeHeader(b, x.RequestHeader)
	b.WriteString("\n")
	if len(x.RequestBody) > 0 {
		writeBody(b, x.RequestBody)
		b.WriteString("\n")
	}
	if x.Status == 0 {
		fmt.Fprintf(b, "--- no answer: %s\n\n", x.Err)
		return
	}
	fmt.Fprintf(b, "HTTP/1.1 %d %s\n", x.Status, http.StatusText(x.Status))
	writeHeader(b, x.ResponseHeader)
	b.WriteString("\n")
	writeBody(b, x.ResponseBody)
	if x.Err != "" {
		fmt.Fprintf(b, "--- body read failed: %s\n", x.Err)
	}
	b.WriteString("\n")
}

func writeHeader(b *bytes.Buffer, h http.Header) {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

func writeBody(b *bytes.Buffer, body []byte) {
	if len(body) == 0 {
		return
	}
	b.Write(bytes.TrimRight(body, "\n"))
	b.WriteString("\n")
}

// wrongCredentials is an http.RoundTripper that sends every request with
// a wrong secret in place of the real one: a Basic password (the user, an
// account or key id, is kept) or a bearer token. It is how the checks open
// the adapter "with bad credentials" for any carrier, through the same
// registry and options as the real one.
type wrongCredentials struct {
	rec  *Recorder
	next http.RoundTripper
}

// wrongSecret is the secret sent instead of the real one.
const wrongSecret = "carrierkit-conformance-wrong-secret"

func (w wrongCredentials) RoundTrip(req *http.Request) (*http.Response, error) {
	orig := req.Header.Get("Authorization")
	w.rec.noteSecrets(orig)
	out := req.Clone(withTag(req.Context(), func(t *tag) { t.badAuth = true }))
	out.Header.Set("Authorization", wrongAuthorization(orig))
	return w.next.RoundTrip(out)
}

func wrongAuthorization(orig string) string {
	scheme, cred, _ := strings.Cut(orig, " ")
	if strings.EqualFold(scheme, "Basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			user, _, _ := strings.Cut(string(dec), ":")
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+wrongSecret))
		}
	}
	if scheme == "" || scheme == orig {
		scheme = "Bearer"
	}
	return scheme + " " + wrongSecret
}
