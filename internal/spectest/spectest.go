// Package spectest checks requests and responses against the vendors'
// published OpenAPI specs (../shared/specs beside the repository, or
// $CARRIERKIT_SPECS; see internal/specdir), for contract tests and the
// carrierkit_spec build of carrierctl conformance. Which spec describes an
// adapter is stated in its registry entry (providers.Adapter.Spec); this
// package knows no provider.
package spectest

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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/carrierkit/carrierkit/internal/specdir"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Validator checks traffic against one spec.
type Validator struct {
	router routers.Router
	root   *url.URL
	// Validated counts requests and responses checked.
	Validated atomic.Int64
	// Responses counts the responses checked (also in Validated).
	Responses atomic.Int64
}

var (
	mu     sync.Mutex
	loaded = map[string]*Validator{}
)

// Load returns the validator for the spec file name (an adapter's
// providers.Spec) served at root; it loads each spec once per process.
func Load(file, root string) (*Validator, error) {
	dir, err := specdir.Dir()
	if err != nil {
		return nil, err
	}
	return LoadDir(dir, file, root)
}

// LoadDir is Load from the spec folder dir.
func LoadDir(dir, file, root string) (*Validator, error) {
	mu.Lock()
	defer mu.Unlock()
	key := filepath.Join(dir, file) + " " + root
	if v := loaded[key]; v != nil {
		return v, nil
	}
	defineFormats.Do(defineStringFormats)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(dir, file))
	if err != nil {
		return nil, fmt.Errorf("spectest: load %s: %w", file, err)
	}
	// Both specs fail doc.Validate on examples of unrelated operations, so
	// it is not called; routing and request checks work without it.
	doc.Servers = openapi3.Servers{{URL: root}}
	if fix := errata[file]; fix != nil {
		fix(doc)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("spectest: router for %s: %w", file, err)
	}
	u, _ := url.Parse(root)
	v := &Validator{router: r, root: u}
	loaded[key] = v
	addAPIPrefixes(u.Path, doc)
	return v, nil
}

// apiPrefixes are the paths the loaded specs' operations start with,
// under their API roots: /2010-04-01/ for Twilio's, /v2/texml/ (and the
// rest of Telnyx's) for Telnyx's.
var (
	prefixMu    sync.RWMutex
	apiPrefixes = map[string]bool{}
)

func addAPIPrefixes(rootPath string, doc *openapi3.T) {
	prefixMu.Lock()
	defer prefixMu.Unlock()
	for p := range doc.Paths.Map() {
		first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		if first != "" && !strings.Contains(first, "{") {
			apiPrefixes[strings.TrimRight(rootPath, "/")+"/"+first+"/"] = true
		}
	}
}

var defineFormats sync.Once

// errata correct what a vendor's spec gets wrong against its own SDKs and
// docs, by spec file. Each is stated with its evidence.
var errata = map[string]func(*openapi3.T){
	// Vonage's Voice API spec 1.3.7 gives UpdateCallRequestUnmute the enum
	// of Mute ("mute"), so {"action":"mute"} matches two oneOf branches
	// and {"action":"unmute"} none. Vonage's Node and Go SDKs send
	// {"action":"unmute"} (shared/specs/action-verb-carriers.md, 2.4).
	"vonage_voice.yml": func(doc *openapi3.T) {
		if s := doc.Components.Schemas["UpdateCallRequestUnmute"]; s != nil && s.Value != nil {
			if a := s.Value.Properties["action"]; a != nil && a.Value != nil {
				a.Value.Enum = []any{"unmute"}
			}
		}
	},
}

// isAPIPath reports whether s is a path under the API of a loaded spec, as
// Twilio's list envelopes (first_page_uri, next_page_uri, …) give them:
// relative to the API host although the spec says format uri, and so do
// the spec's own examples.
func isAPIPath(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return false
	}
	prefixMu.RLock()
	defer prefixMu.RUnlock()
	for p := range apiPrefixes {
		if strings.HasPrefix(u.Path, p) {
			return true
		}
	}
	return false
}

// defineStringFormats makes kin-openapi check the formats the participant
// operations use, which it leaves unchecked by default: "uri" (absolute,
// with a host; "" too, because Twilio documents WaitUrl= as turning wait
// music off although its spec says uri), Twilio's "date-time-rfc-2822" and
// Telnyx's and Vonage's "uuid".
func defineStringFormats() {
	openapi3.DefineStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
		if s == "" || isAPIPath(s) {
			return nil
		}
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
			return errors.New("not an absolute URI")
		}
		return nil
	}))
	openapi3.DefineStringFormatValidator("date-time-rfc-2822", openapi3.NewCallbackValidator(func(s string) error {
		_, err := time.Parse(time.RFC1123Z, s)
		return err
	}))
	// Vonage's spec types conversation_uuid as format uuid, while its own
	// example and its API give CON- and a UUID: the prefix is accepted.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(
		`^(CON-)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`))
}

var opts = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}

// httpRequest rebuilds a recorded request as if sent to the spec's host.
func (v *Validator) httpRequest(r vendorfake.Request) (*http.Request, error) {
	u := *v.root
	u.RawPath = r.Path
	p, err := url.PathUnescape(r.Path)
	if err != nil {
		return nil, err
	}
	u.Path = p
	u.RawQuery = r.RawQuery
	req, err := http.NewRequest(r.Method, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	return req, nil
}

// input finds the spec's operation for a recorded request.
func (v *Validator) input(r vendorfake.Request) (*openapi3filter.RequestValidationInput, error) {
	req, err := v.httpRequest(r)
	if err != nil {
		return nil, err
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("no operation for %s %s: %w", r.Method, r.Path, err)
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}, nil
}

// ValidateRequest checks a recorded request against the spec.
func (v *Validator) ValidateRequest(r vendorfake.Request) error {
	in, err := v.input(r)
	if err != nil {
		return err
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return err
	}
	v.Validated.Add(1)
	return nil
}

// ValidateResponse checks a response to a recorded request against the spec.
func (v *Validator) ValidateResponse(r vendorfake.Request, status int, header http.Header, body []byte) error {
	reqIn, err := v.input(r)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqIn, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return err
	}
	v.Validated.Add(1)
	v.Responses.Add(1)
	return nil
}

// T is the part of testing.TB the test helpers use. The package does not
// import testing, so carrierctl can load specs without linking it.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Fatal(args ...any)
	Skipf(format string, args ...any)
}

// CheckResponses wraps a fake: every answer it gives to a request the spec
// knows is checked against the spec, and a mismatch fails t. Answers that
// are deliberately not the vendor's (a body that is not JSON, as injected
// by a fault) and dropped connections are left out.
func (v *Validator) CheckResponses(t T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.hijacked || rec.status == 0 || (rec.body.Len() > 0 && !json.Valid(rec.body.Bytes())) {
			return
		}
		req := vendorfake.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header}
		err := v.ValidateResponse(req, rec.status, w.Header(), rec.body.Bytes())
		if err != nil && !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			t.Errorf("%s %s -> %d does not match the spec: %v\nbody: %s", r.Method, req.Path, rec.status, err, rec.body.Bytes())
		}
	})
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Hijack lets a fake drop the connection.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Open is Load for tests. Without the spec folder it skips the test,
// naming the folders it looked in, so request validation is never turned
// off silently; under CI ($CI set) it fails the test instead. It never
// returns nil.
func Open(t T, file, root string) *Validator {
	t.Helper()
	v, err := Load(file, root)
	switch {
	case err == nil:
		return v
	case errors.Is(err, specdir.ErrNoSpecs) && os.Getenv("CI") == "":
		t.Skipf("contract checks need the vendor specs: %v", err)
		return nil
	}
	t.Fatal(err)
	return nil
}
