package router_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/memnet"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// vendor is one carrier's fake, served on several endpoints that share its
// state and its request log, as a carrier's edges share a region.
type vendor struct {
	name    string
	fake    *fake.Server
	account string
	ref     participant.Ref // a seeded participant
	absent  string          // a call id of the vendor's shape that is not seeded
	urls    []string        // API roots, endpoint 1 first
	newEP   func(t *testing.T, root string) driver.Driver
	client  *http.Client // the endpoints' client when they are in memory (inMemory)
}

const twilioToken = "tok0123456789abcdef0123456789abcd"
const texmlKey = "KEY0123456789ABCDEF0123456789ABC"

// startEndpoints serves fake on n loopback endpoints; those listed in
// refused get an address that refuses connections.
func startEndpoints(t *testing.T, fake *fake.Server, n int, refused ...int) []string {
	t.Helper()
	var urls []string
	for i := 1; i <= n; i++ {
		if contains(refused, i) {
			urls = append(urls, refusingURL(t))
			continue
		}
		srv := httptest.NewServer(vendorfake.ForEndpoint(fake, i))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return urls
}

// inMemory serves v's fake on n endpoints of an in-memory network
// (memnet), for tests under testing/synctest, and points the endpoint
// adapters at them. Make v with 0 endpoints first.
func (v *vendor) inMemory(t *testing.T, n int) {
	t.Helper()
	var mn memnet.Network
	for i := 1; i <= n; i++ {
		v.urls = append(v.urls, mn.Server(t, fmt.Sprintf("ep%d.%s.test:80", i, v.name), vendorfake.ForEndpoint(v.fake, i)).URL)
	}
	v.client = mn.Client()
	t.Cleanup(v.client.CloseIdleConnections)
}

// opts are the endpoint adapters' options: once, over v.client if set.
func (v *vendor) opts() driver.Options {
	o := once
	if v.client != nil {
		o.HTTPClient = v.client
	}
	return o
}

// refusingURL returns the URL of a loopback port nothing listens on.
func refusingURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// once sends every request once: the router does the retrying.
var once = driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}

func newTwilio(t *testing.T, n int, refused ...int) *vendor {
	acct := vendorfake.HexID("AC")
	fake := twiliotest.New(twiliotest.Config{AccountSID: acct, AuthToken: twilioToken})
	v := &vendor{name: "twilio", fake: fake, account: acct, absent: vendorfake.HexID("CA")}
	v.ref = participant.Ref{Account: acct, Conference: vendorfake.HexID("CF"), Call: vendorfake.HexID("CA")}
	fake.Seed(vendorfake.Participant{Account: acct, Conference: v.ref.Conference, CallID: v.ref.Call})
	v.newEP = func(t *testing.T, root string) driver.Driver {
		c, err := twilio.New(twilio.Config{AccountSID: acct, AuthToken: twilioToken, BaseURL: root, Options: v.opts()})
		require.NoError(t, err)
		return c
	}
	v.urls = startEndpoints(t, fake, n, refused...)
	return v
}

func newTeXML(t *testing.T, n int, refused ...int) *vendor {
	acct := texmltest.NewAccountID()
	fake := texmltest.New(texmltest.Config{APIKey: texmlKey})
	v := &vendor{name: "texml", fake: fake, account: acct, absent: texmltest.NewCallID()}
	v.ref = participant.Ref{Account: acct, Conference: texmltest.NewConferenceID(), Call: texmltest.NewCallID()}
	fake.Seed(vendorfake.Participant{Account: acct, Conference: v.ref.Conference, CallID: v.ref.Call})
	v.newEP = func(t *testing.T, root string) driver.Driver {
		c, err := texml.New(texml.Config{APIKey: texmlKey, Account: acct, BaseURL: root + "/v2", Options: v.opts()})
		require.NoError(t, err)
		return c
	}
	v.urls = startEndpoints(t, fake, n, refused...)
	return v
}

// carrier returns the router carrier of v's endpoints.
func (v *vendor) carrier(t *testing.T, name string, p router.Policy) router.Carrier {
	c := router.Carrier{Name: name, Account: v.account, Policy: p}
	for i, u := range v.urls {
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Driver: v.newEP(t, u)})
	}
	return c
}

// onEndpoint counts the logged requests that arrived on endpoint n.
func (v *vendor) onEndpoint(n int) int {
	k := 0
	for _, r := range v.fake.Requests() {
		if r.Endpoint == n {
			k++
		}
	}
	return k
}

// mayHaveActed counts the logged requests carrying announcement url that
// the carrier may have acted on: all but those answered 429 (never
// processed) and those refused before reaching it.
func (v *vendor) mayHaveActed(url string) int {
	k := 0
	for _, r := range v.fake.Requests() {
		if r.Form.Get("AnnounceUrl") == url && r.Status != 429 {
			k++
		}
	}
	return k
}

// recorder is an Observer that keeps every event.
type recorder struct {
	mu       sync.Mutex
	attempts []router.AttemptEvent
	changes  []router.StateChangeEvent
}

func (r *recorder) Attempt(e router.AttemptEvent) {
	r.mu.Lock()
	r.attempts = append(r.attempts, e)
	r.mu.Unlock()
}

func (r *recorder) StateChange(e router.StateChangeEvent) {
	r.mu.Lock()
	r.changes = append(r.changes, e)
	r.mu.Unlock()
}

// transitions lists endpoint's breaker changes as "from>to".
func (r *recorder) transitions(endpoint string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.changes {
		if e.Endpoint == endpoint {
			out = append(out, e.From.String()+">"+e.To.String())
		}
	}
	return out
}

func (r *recorder) outcomes() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.attempts {
		out = append(out, e.Endpoint+":"+string(e.Outcome))
	}
	return strings.Join(out, " ")
}

func newRouter(t *testing.T, obs router.Observer, cs ...router.Carrier) *router.Router {
	r, err := router.New(router.Options{Observer: obs}, cs...)
	require.NoError(t, err)
	return r
}

func health(r *router.Router, carrier string) []router.EndpointHealth {
	for _, c := range r.Health() {
		if c.Name == carrier {
			return c.Endpoints
		}
	}
	return nil
}
