// Package emulator serves the in-memory fakes of every registered carrier
// on one http.Handler, each under its own path prefix (Twilio under
// /2010-04-01/, TeXML under /v2/texml/, Bandwidth under /api/v2/, …) and
// seeded with a demo conference (grown to any size with SeedParticipants;
// SetLoad adds latency and a per-account concurrency limit answered 429),
// plus an admin API under /_emulator/ to inject faults and read recorded
// requests. carrierctl emulate and carrierctl demo run it; tests mount it on
// httptest.
//
// The emulator holds no list of carriers. Each fake attaches itself to its
// adapter's entry in the one registry of adapters (providers.URLMux) with
// Attach, from its own folder (providers/twilio/twiliotest/emulate.go and
// the like), and Registered reads the fakes back from the registry: a
// program serves the carriers whose fake packages it imports. This package
// does not import providers; the registry is passed in (Registry).
//
// Admin API:
//
//	GET    /_emulator/info       base URLs, credentials and demo ids (the line emulate prints)
//	POST   /_emulator/faults     queue a Fault, e.g. {"provider":"twilio","status":503,"times":2}
//	DELETE /_emulator/faults     drop every queued fault
//	GET    /_emulator/requests   recorded requests, oldest first (?provider=twilio to filter)
//	DELETE /_emulator/requests   forget them
//	GET    /_emulator/stats      per provider, the requests answered 429 by the load limit (SetLoad) and the peak in flight
//	DELETE /_emulator/stats      zero those counters
//	POST   /_emulator/conferences add a conference to a vendor's demo account, e.g. {"provider":"twilio","conference":"CF…","participants":250}
//	POST   /_emulator/callbacks  set a conference's status callback URL, e.g. {"provider":"twilio","url":"http://127.0.0.1:9000/hook"}
//	GET    /_emulator/deliveries the callbacks posted, with their answers
//
// The credentials /_emulator/info shows are the emulator's own demo
// credentials (each carrier's Demo), the only ones its fakes accept; the
// emulator never reads a carrier's from the environment. /_emulator/requests
// shows of each request's Authorization header only its scheme (Basic,
// Bearer), never the credential, and keeps the newest 10,000 requests per
// vendor.
package emulator

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// AdminPrefix is the root of the admin API.
const AdminPrefix = "/_emulator/"

// AgentLabel is the label of the first demo participant of each carrier
// that has labels.
const AgentLabel = "agent"

// Header is set on every answer the emulator gives, with carrierkit's
// version as its value, so a client (carrierctl conformance) can tell the
// emulator from a carrier.
const Header = "X-Carrierkit-Emulator"

// Demo is a vendor's demo data: what a client needs to reach it. It is
// fixed, so commands written against one run work against the next, and
// its credentials are the emulator's own, not a carrier's.
type Demo struct {
	Account string `json:"account"`
	// Credentials are the environment variables the adapter reads, with
	// the emulator's values.
	Credentials  map[string]string `json:"credentials"`
	Conference   string            `json:"conference"`
	Participants []Seeded          `json:"participants"`
}

// Seeded is a demo participant.
type Seeded struct {
	Call  string `json:"call"`
	Label string `json:"label,omitempty"`
}

// Carrier is one carrier's fake, as it attaches to its adapter's registry
// entry (Attach) and the emulator serves it.
type Carrier struct {
	// Name is the adapter's provider name and URL scheme; Registered sets
	// it from the registry entry.
	Name string
	// Prefix is the path the fake serves under, e.g. /2010-04-01.
	Prefix string
	// Root is what the adapter's base URL adds to the emulator's address
	// ("" for Twilio, "/v2" for TeXML, "/api/v2" for Bandwidth).
	Root string
	// New returns a fresh fake and its demo data; the emulator seeds the
	// demo participants.
	New func() (*vendorfake.Server, Demo)
	// Opener returns the adapter's URL opener (a providers.UpdaterURLOpener,
	// which this package does not name: it imports no providers package)
	// holding the demo's credentials and opts, so the demo reads no
	// environment.
	Opener func(d Demo, opts driver.Options) any
	// CredentialsHelp says, for carrierctl --help, where the adapter reads its
	// credentials, e.g. "TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN".
	CredentialsHelp string
	// Webhooks, when set, is how the carrier posts conference callbacks
	// (SetCallback).
	Webhooks *WebhookStyle
}

// Registry is what the emulator uses of the registry of adapters;
// providers.DefaultURLMux() is the one carrierkit's adapters register with.
type Registry interface {
	// Schemes returns the registered adapters' names, sorted.
	Schemes() []string
	// Attach attaches value under key to the adapter registered as name,
	// panicking if there is none or key is taken.
	Attach(name string, key, value any)
	// Attachment returns what was attached under key to name.
	Attachment(name string, key any) (any, bool)
}

// carrierKey is the key fakes attach under.
type carrierKey struct{}

// Attach attaches c, the fake of the adapter registered in r as name, to
// the adapter's entry; a fake package does so in init. It panics on a
// missing field, an adapter r does not hold or a second fake, as
// attaching happens in init.
func Attach(r Registry, name string, c Carrier) {
	c.Name = name
	if err := c.check(); err != nil {
		panic(err.Error())
	}
	r.Attach(name, carrierKey{}, c)
}

// Registered returns the fakes attached to r's adapters, by name. An
// adapter no imported fake attached to is left out.
func Registered(r Registry) []Carrier {
	var out []Carrier
	for _, name := range r.Schemes() {
		if v, ok := r.Attachment(name, carrierKey{}); ok {
			out = append(out, v.(Carrier))
		}
	}
	return out
}

func (c Carrier) check() error {
	if c.Name == "" || c.Prefix == "" || c.New == nil || c.Opener == nil {
		return errors.New("emulator: incomplete carrier " + c.Name)
	}
	return nil
}

// Vendor is one carrier's running fake.
type Vendor struct {
	Carrier
	Server *vendorfake.Server
	Demo
	grown int // the size SeedParticipants grew the demo conference to
}

// VendorInfo is how to reach one vendor of a running emulator.
type VendorInfo struct {
	// BaseURL is the API root as the adapter (and carrierctl --base-url) takes it.
	BaseURL string `json:"base_url"`
	// BaseURLs are the API roots of every endpoint, BaseURL first, when the
	// emulator serves several (ServeEndpoints, emulate --endpoints N).
	BaseURLs []string `json:"base_urls,omitempty"`
	Demo
	// ParticipantCount is how many participants the demo conference has:
	// the seeded ones in Participants, and those SeedParticipants added.
	ParticipantCount int `json:"participant_count"`
	// WebhookKeys verify the conference callbacks the emulator posts
	// (WebhookStyle.Keys).
	WebhookKeys map[string]string `json:"webhook_keys,omitempty"`
}

// Emulator is the combined fake. It is an http.Handler, safe for
// concurrent use.
type Emulator struct {
	// Logger, when set, gets one debug line per request (method, path;
	// never a header).
	Logger *zap.Logger
	// ShutdownGrace is how long Serve lets requests in flight finish once
	// its context is done (0: DefaultShutdownGrace). Set it before Serve.
	ShutdownGrace time.Duration
	vendors       []*Vendor
	admin         *http.ServeMux
	// endpoints are the listeners of ServeEndpoints, for refuse faults;
	// nil under Serve.
	endpoints atomic.Pointer[endpointSet]
	hooksOnce sync.Once
	hooks     *webhooks // conference callbacks (webhooks.go)
}

// DefaultShutdownGrace is the default Emulator.ShutdownGrace.
const DefaultShutdownGrace = 5 * time.Second

// New returns an emulator of the carriers (Registered gives those attached
// to the registry), seeded with the demo data. It panics on an incomplete
// carrier or two of one name: carriers are code, not input.
func New(carriers ...Carrier) *Emulator {
	e := &Emulator{}
	carriers = slices.Clone(carriers)
	slices.SortFunc(carriers, func(a, b Carrier) int { return strings.Compare(a.Name, b.Name) })
	for i, c := range carriers {
		if err := c.check(); err != nil {
			panic(err.Error())
		}
		if i > 0 && carriers[i-1].Name == c.Name {
			panic("emulator: carrier " + c.Name + " given twice")
		}
		srv, demo := c.New()
		e.vendors = append(e.vendors, &Vendor{Carrier: c, Server: srv, Demo: demo})
	}
	for _, v := range e.vendors {
		for _, p := range v.Participants {
			v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: v.Conference, CallID: p.Call,
				Label: p.Label, StartConferenceOnEnter: true, Status: "connected"})
		}
	}
	e.enableCreate() // participant creation, with ConferenceStatusCallback (create.go)
	e.admin = http.NewServeMux()
	e.admin.HandleFunc("GET "+AdminPrefix+"info", e.handleInfo)
	e.admin.HandleFunc("GET "+AdminPrefix+"stats", e.handleStats)
	e.admin.HandleFunc("POST "+AdminPrefix+"conferences", e.handleConference)
	e.admin.HandleFunc("DELETE "+AdminPrefix+"stats", func(w http.ResponseWriter, _ *http.Request) {
		e.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	e.admin.HandleFunc("POST "+AdminPrefix+"faults", e.handleFault)
	e.admin.HandleFunc("POST "+AdminPrefix+"callbacks", e.handleCallback)
	e.admin.HandleFunc("GET "+AdminPrefix+"deliveries", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, e.Deliveries()) })
	e.admin.HandleFunc("DELETE "+AdminPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) {
		e.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	e.admin.HandleFunc("GET "+AdminPrefix+"requests", func(w http.ResponseWriter, r *http.Request) {
		reqs, err := e.Requests(r.URL.Query().Get("provider"))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody(err))
			return
		}
		writeJSON(w, http.StatusOK, reqs)
	})
	e.admin.HandleFunc("DELETE "+AdminPrefix+"requests", func(w http.ResponseWriter, _ *http.Request) {
		e.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	e.admin.HandleFunc(AdminPrefix, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody(errors.New("no such admin endpoint; see GET /_emulator/info, /_emulator/requests, POST or DELETE /_emulator/faults")))
	})
	return e
}

// Vendors returns the vendors, by name.
func (e *Emulator) Vendors() []*Vendor { return e.vendors }

// Vendor returns the vendor named provider, or an error listing them.
func (e *Emulator) Vendor(provider string) (*Vendor, error) {
	names := make([]string, len(e.vendors))
	for i, v := range e.vendors {
		if v.Name == provider {
			return v, nil
		}
		names[i] = v.Name
	}
	return nil, fmt.Errorf("unknown provider %q (want %s)", provider, strings.Join(names, " or "))
}

// ServeHTTP routes by path prefix. It does not clean paths, so escaped
// labels reach the fakes exactly as sent.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	w.Header().Set(Header, driver.Version)
	if e.Logger != nil {
		e.Logger.Debug("emulator request", zap.String("method", r.Method), zap.String("path", path))
	}
	if strings.HasPrefix(path, AdminPrefix) {
		e.admin.ServeHTTP(w, r)
		return
	}
	for _, v := range e.vendors {
		if strings.HasPrefix(path, v.Prefix+"/") {
			v.Server.ServeHTTP(w, r)
			return
		}
	}
	routes := make([]string, len(e.vendors))
	for i, v := range e.vendors {
		routes[i] = v.Name + " under " + v.Prefix + "/"
	}
	writeJSON(w, http.StatusNotFound, errorBody(fmt.Errorf("no route: %s; the admin API under %s",
		strings.Join(routes, ", "), AdminPrefix)))
}

// Info returns each vendor's base URL and demo data, for an emulator
// reached at base (e.g. http://127.0.0.1:8080), keyed by provider name.
func (e *Emulator) Info(base string) map[string]VendorInfo {
	return e.InfoEndpoints([]string{base})
}

// InfoEndpoints is Info for an emulator serving several endpoints, bases in
// endpoint order; BaseURLs lists them all when there are several.
func (e *Emulator) InfoEndpoints(bases []string) map[string]VendorInfo {
	out := make(map[string]VendorInfo, len(e.vendors))
	for _, v := range e.vendors {
		vi := VendorInfo{Demo: v.Demo, ParticipantCount: max(len(v.Participants), v.grown)}
		if v.Webhooks != nil {
			vi.WebhookKeys = v.Webhooks.Keys
		}
		for _, b := range bases {
			vi.BaseURLs = append(vi.BaseURLs, strings.TrimRight(b, "/")+v.Root)
		}
		vi.BaseURL = vi.BaseURLs[0]
		if len(bases) < 2 {
			vi.BaseURLs = nil
		}
		out[v.Name] = vi
	}
	return out
}

func (e *Emulator) handleInfo(w http.ResponseWriter, r *http.Request) {
	if set := e.endpoints.Load(); set != nil {
		writeJSON(w, http.StatusOK, e.InfoEndpoints(set.bases()))
		return
	}
	writeJSON(w, http.StatusOK, e.Info("http://"+r.Host))
}

// Serve serves e on ln until ctx is done, then shuts down gracefully: it
// stops accepting, gives requests in flight up to ShutdownGrace to finish,
// then closes their connections (a delayed answer is cut short) and waits
// for their handlers to return. A shutdown asked for through ctx returns
// nil, even when requests had to be cut short; other errors are the
// server's.
func (e *Emulator) Serve(ctx context.Context, ln net.Listener) error {
	return e.serve(ctx, ln, e)
}

// serve serves h (e, or e as one of its endpoints) on ln as Serve says.
func (e *Emulator) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	// Handlers see this context end when the grace runs out, so they stop
	// even where no connection close reaches them.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	// handlers counts the requests in flight. Once stopped is set, Add is
	// no longer called, so Wait is safe; a handler starting that late (its
	// connection accepted before the close) is not waited for.
	var (
		mu       sync.Mutex
		stopped  bool
		handlers sync.WaitGroup
	)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			if !stopped {
				handlers.Add(1)
				defer handlers.Done()
			}
			mu.Unlock()
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	var err error
	served := false
	select {
	case err = <-done:
		if ctx.Err() == nil {
			return err
		}
		served = true // the listener was closed for a shutdown (a refusing endpoint)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cmp.Or(e.ShutdownGrace, DefaultShutdownGrace))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// The grace ran out: cut the remaining requests short, closing
		// their connections first so none gets a half-made answer.
		_ = srv.Close()
		cancelBase()
	}
	if !served {
		err = <-done
	}
	mu.Lock()
	stopped = true
	mu.Unlock()
	handlers.Wait()
	if !errors.Is(err, http.ErrServerClosed) && !served {
		return err
	}
	return nil
}

// Start listens on addr (e.g. 127.0.0.1:0) and serves e in the background.
// It returns the base address (http://host:port) and a stop function that
// shuts the server down and waits for it.
func (e *Emulator) Start(addr string) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.Serve(ctx, ln)
	}()
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}

func errorBody(err error) map[string]string { return map[string]string{"error": err.Error()} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
