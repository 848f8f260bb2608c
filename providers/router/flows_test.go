package router_test

// Whole flows under real carrier faults: a batch over a router over
// adapters, built the ways users build them (router.New over adapters with
// default settings, config.OpenRouter), with the requests counted where
// they arrive.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// stormEndpoints serves v's fake on n endpoints, except that every update
// (a POST to a participant) is answered status, with Twilio's error body,
// and counted. Lists and fetches reach the fake.
func stormEndpoints(t *testing.T, v *vendor, n, status int, retryAfter string) (urls []string, updates *atomic.Int32) {
	updates = new(atomic.Int32)
	for i := 1; i <= n; i++ {
		fake := vendorfake.ForEndpoint(v.fake, i)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				fake.ServeHTTP(w, r)
				return
			}
			updates.Add(1)
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			code := "20429"
			if status != http.StatusTooManyRequests {
				code = "20500"
			}
			_, _ = w.Write([]byte(`{"code":` + code + `,"message":"storm","status":` + strconv.Itoa(status) + `}`))
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return urls, updates
}

// defaultsRouter is router.New over Twilio adapters built with default
// settings (each would retry 3 times on its own).
func defaultsRouter(t *testing.T, v *vendor, urls []string) *router.Router {
	c := router.Carrier{Name: "us", Account: v.account}
	for i, u := range urls {
		a, err := twilio.New(twilio.Config{AccountSID: v.account, AuthToken: twilioToken, BaseURL: u})
		require.NoError(t, err)
		t.Cleanup(func() { _ = a.Close() })
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Driver: a})
	}
	return newRouter(t, nil, c)
}

// configRouter is config.OpenRouter of a file naming urls, with default
// retry, breaker and failover settings.
func configRouter(t *testing.T, v *vendor, urls []string) *router.Router {
	t.Setenv("CK_FLOW_TOKEN", twilioToken)
	file := `{"carriers": {"us": {"provider": "twilio", "account": "` + v.account + `",
	  "endpoints": ["` + strings.Join(urls, `", "`) + `"], "credentials": {"auth_token_env": "CK_FLOW_TOKEN"}}}}`
	cfg, err := config.Load(strings.NewReader(file), nil)
	require.NoError(t, err)
	r, err := config.OpenRouter(context.Background(), cfg, router.Options{})
	require.NoError(t, err)
	return r
}

var constructors = []struct {
	name string
	open func(t *testing.T, v *vendor, urls []string) *router.Router
}{{"New", defaultsRouter}, {"FromConfig", configRouter}}

// TestRetryStorm: one participant whose every update is answered 429 (or
// 503, on an idempotent update), through batch.UpdateAll over a router of
// two endpoints, with default settings everywhere. One retry budget
// governs the update: at most 6 requests for the 429 storm, 4 for the 503
// storm (on main: 24 through FromConfig, 96 over adapters with their own
// retries), and at most 4 for one router call.
func TestRetryStorm(t *testing.T) {
	for _, ctor := range constructors {
		for _, tc := range []struct {
			status          int
			batchMax, onceN int
			code            participant.Code
		}{{http.StatusTooManyRequests, 6, 4, participant.CodeRateLimited},
			{http.StatusServiceUnavailable, 4, 4, participant.CodeUnavailable}} {
			t.Run(ctor.name+"/"+http.StatusText(tc.status), func(t *testing.T) {
				v := newTwilio(t, 0)
				urls, updates := stormEndpoints(t, v, 2, tc.status, "")
				r := ctor.open(t, v, urls)
				ctx := context.Background()

				results, err := batch.UpdateAll(ctx, r, v.ref.ConferenceRef(), mute, batch.Options{})
				require.NoError(t, err)
				require.Len(t, results, 1)
				require.Equal(t, tc.code, participant.CodeOf(results[0].Err), "%v", results[0].Err)
				n := int(updates.Load())
				t.Logf("%s: %d update requests through the batch", http.StatusText(tc.status), n)
				assert.LessOrEqual(t, n, tc.batchMax, "one budget for the whole update")
				assert.GreaterOrEqual(t, n, 2, "both endpoints were tried")
				pe, _ := errors.AsType[*participant.Error](results[0].Err)
				require.NotNil(t, pe)
				assert.LessOrEqual(t, pe.Attempts, n, "the error counts the last send's requests")

				updates.Store(0)
				_, err = r.Client().Update(ctx, v.ref, mute)
				require.Equal(t, tc.code, participant.CodeOf(err), "%v", err)
				assert.LessOrEqual(t, int(updates.Load()), tc.onceN, "one router call")
				pe, _ = errors.AsType[*participant.Error](err)
				require.NotNil(t, pe)
				assert.Equal(t, int(updates.Load()), pe.Attempts, "Attempts counts every endpoint's requests")
			})
		}
	}
}

// TestRateLimitWaitCountsAgainstDeadline: a carrier asking for a 5 s
// Retry-After under a caller's deadline of 1 s: no layer waits past the
// deadline (under a batch the router hands the 429 back at once, without
// trying the account's other endpoint; the batch's limiter holds every
// request until the deadline), and nothing is sent while the carrier asked
// to wait.
func TestRateLimitWaitCountsAgainstDeadline(t *testing.T) {
	for _, ctor := range constructors {
		t.Run(ctor.name, func(t *testing.T) {
			v := newTwilio(t, 0)
			urls, updates := stormEndpoints(t, v, 2, http.StatusTooManyRequests, "5")
			r := ctor.open(t, v, urls)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			results, err := batch.UpdateAll(ctx, r, v.ref.ConferenceRef(), mute, batch.Options{})
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Len(t, results, 1)
			require.ErrorIs(t, results[0].Err, participant.ErrRateLimited, "the carrier's answer is the result")
			assert.Equal(t, 5*time.Second, results[0].Err.(*participant.Error).RetryAfter)
			assert.EqualValues(t, 1, updates.Load(), "one request; then the 5 s wait did not fit")
		})
	}
}

// trustedTLSServer starts h over TLS with a fresh self-signed certificate
// and returns it with a client that trusts that certificate only.
func trustedTLSServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "carrierkit test endpoint"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{Transport: tr}
}

var announceOnce = announce("https://example.com/announce.xml")

// TestTLSFailover: the first endpoint's certificate is not trusted, the
// second's is. The handshake failed, so nothing reached the carrier: an
// announcement (never replayed after an ambiguous failure) moves on to the
// second endpoint and plays once; the listing of a batch moves on too. The
// certificate error stays reachable with errors.As. On main the TLS error
// came back as unavailable and nothing tried the second endpoint.
func TestTLSFailover(t *testing.T) {
	v := newTwilio(t, 0)
	var untrustedHits atomic.Int32
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { untrustedHits.Add(1) }))
	t.Cleanup(untrusted.Close)
	trusted, client := trustedTLSServer(t, vendorfake.ForEndpoint(v.fake, 2))
	obs := new(recorder)
	c := router.Carrier{Name: "us", Account: v.account}
	for i, u := range []string{untrusted.URL, trusted.URL} {
		a, err := twilio.New(twilio.Config{AccountSID: v.account, AuthToken: twilioToken, BaseURL: u,
			Options: driver.Options{HTTPClient: client}}) // default retries
		require.NoError(t, err)
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Driver: a})
	}
	r := newRouter(t, obs, c)

	_, err := r.Client().Update(context.Background(), v.ref, announceOnce)
	require.NoError(t, err)
	assert.Zero(t, untrustedHits.Load(), "nothing reached the untrusted endpoint")
	assert.Equal(t, 1, v.mayHaveActed(*announceOnce.AnnounceURL), "the announcement was sent once, to the second endpoint")
	require.NotEmpty(t, obs.attempts)
	first := obs.attempts[0]
	assert.Equal(t, router.OutcomeFailover, first.Outcome)
	_, ok := errors.AsType[*tls.CertificateVerificationError](first.Err)
	assert.True(t, ok, "the certificate error is in the chain: %v", first.Err)
	assert.Equal(t, participant.DeliveryNotSent, participant.DeliveryOf(first.Err))

	results, err := batch.UpdateAll(context.Background(), r, v.ref.ConferenceRef(), announceOnce, batch.Options{})
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.NoError(t, results[0].Err)
	assert.Equal(t, 2, v.mayHaveActed(*announceOnce.AnnounceURL))
	assert.Zero(t, untrustedHits.Load())
}

// TestDNSFailover: the first endpoint's host name does not resolve; the
// update (an announcement) moves on to the second, and the *net.DNSError
// stays reachable.
func TestDNSFailover(t *testing.T) {
	v := newTwilio(t, 1)
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in tests")
	}}
	tr := &http.Transport{DialContext: (&net.Dialer{Resolver: noDNS}).DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	obs := new(recorder)
	c := router.Carrier{Name: "us", Account: v.account}
	for i, u := range []string{"http://ep1.carrier.test", v.urls[0]} {
		a, err := twilio.New(twilio.Config{AccountSID: v.account, AuthToken: twilioToken, BaseURL: u,
			Options: driver.Options{HTTPClient: &http.Client{Transport: tr}}})
		require.NoError(t, err)
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + string(rune('1'+i)), Driver: a})
	}
	r := newRouter(t, obs, c)
	_, err := r.Client().Update(context.Background(), v.ref, announceOnce)
	require.NoError(t, err)
	assert.Equal(t, 1, v.mayHaveActed(*announceOnce.AnnounceURL))
	require.NotEmpty(t, obs.attempts)
	_, ok := errors.AsType[*net.DNSError](obs.attempts[0].Err)
	assert.True(t, ok, "the DNS error is in the chain: %v", obs.attempts[0].Err)
	assert.Equal(t, router.OutcomeFailover, obs.attempts[0].Outcome)
}

// TestListFailsOver: the first endpoint refuses connections; List, and a
// batch's listing, move on to the second (on main they failed every time).
func TestListFailsOver(t *testing.T) {
	for _, ctor := range constructors {
		t.Run(ctor.name, func(t *testing.T) {
			v := newTwilio(t, 2, 1)
			r := ctor.open(t, v, v.urls)
			var calls []string
			for p, err := range r.Client().List(context.Background(), v.ref.ConferenceRef(), participant.ListOptions{}) {
				require.NoError(t, err)
				calls = append(calls, p.CallID)
			}
			assert.Equal(t, []string{v.ref.Call}, calls)
			results, err := batch.UpdateAll(context.Background(), r, v.ref.ConferenceRef(), mute, batch.Options{})
			require.NoError(t, err)
			require.Len(t, results, 1)
			require.NoError(t, results[0].Err)
		})
	}
}

// TestListFailingMidwayYieldsNoOneTwice: the first endpoint answers the
// first page, then fails the second. The listing does not start over on
// the second endpoint (that would yield the first page again): it ends
// with the error, each participant yielded once.
func TestListFailingMidwayYieldsNoOneTwice(t *testing.T) {
	v := newTwilio(t, 2)
	for range 3 {
		v.fake.Seed(vendorfake.Participant{Account: v.account, Conference: v.ref.Conference, CallID: vendorfake.HexID("CA")})
	}
	r := newRouter(t, nil, v.carrier(t, "us", router.Policy{}))
	seen := map[string]int{}
	var last error
	for p, err := range r.Client().List(context.Background(), v.ref.ConferenceRef(), participant.ListOptions{PageSize: 2}) {
		if err != nil {
			last = err
			continue
		}
		seen[p.CallID]++
		if len(seen) == 1 {
			v.fake.Fail(vendorfake.Fault{Status: 503, Endpoint: 1}) // the next page
		}
	}
	require.ErrorIs(t, last, participant.ErrUnavailable)
	assert.Len(t, seen, 2, "the first page, then the error")
	for call, n := range seen {
		assert.Equal(t, 1, n, call)
	}
	assert.Zero(t, v.onEndpoint(2), "not started over on the second endpoint")
}

// TestListRoutesByIDShape: a router of a Twilio and a TeXML carrier, with
// no accounts configured: a listing is routed by the shapes of its
// conference's ids, as a get is (on main: "the ids fit no carrier's id
// shapes").
func TestListRoutesByIDShape(t *testing.T) {
	tw, tx := newTwilio(t, 1), newTeXML(t, 1)
	us, telnyx := tw.carrier(t, "us", router.Policy{}), tx.carrier(t, "telnyx", router.Policy{})
	us.Account, telnyx.Account = "", ""
	r := newRouter(t, nil, us, telnyx)
	for _, v := range []*vendor{tw, tx} {
		carrier, err := r.Route(v.ref.ConferenceRef().Participant(""))
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"twilio": "us", "texml": "telnyx"}[v.name], carrier)
		var calls []string
		for p, err := range r.Client().List(context.Background(), v.ref.ConferenceRef(), participant.ListOptions{}) {
			require.NoError(t, err, v.name)
			calls = append(calls, p.CallID)
		}
		assert.Equal(t, []string{v.ref.Call}, calls, v.name)
		_, err = r.Client().Fetch(context.Background(), v.ref)
		require.NoError(t, err, "fetch routes the same ids")
	}
	// A call operation still needs a call of the carrier's shape.
	_, err := r.Client().Update(context.Background(), tw.ref.ConferenceRef().Participant(""), mute)
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
}

// TestFetchAndRemoveFailOver: with the first endpoint refusing
// connections, a fetch and a remove (not idempotent: it moves on only when
// nothing was sent) go through the second, under both constructors.
func TestFetchAndRemoveFailOver(t *testing.T) {
	for _, ctor := range constructors {
		t.Run(ctor.name, func(t *testing.T) {
			v := newTwilio(t, 2, 1)
			r := ctor.open(t, v, v.urls)
			p, err := r.Client().Fetch(context.Background(), v.ref)
			require.NoError(t, err)
			assert.Equal(t, v.ref.Call, p.CallID)
			require.NoError(t, r.Client().Remove(context.Background(), v.ref))
			_, err = r.Client().Fetch(context.Background(), v.ref)
			require.ErrorIs(t, err, participant.ErrNotFound, "removed")
			assert.Equal(t, 3, v.onEndpoint(2))
		})
	}
}

// TestBatchHearsEveryRateLimit: under a batch, a 429 is neither waited
// out in place by an adapter built with default settings nor carried to
// another endpoint of the same account by the router: it reaches the
// batch's shared limiter, which cuts its limit and sends the update again.
// (Before, the adapter retried it in place, the limiter never heard of it
// and could not adapt: a batch asking for more than the carrier allows
// kept bursting into 429s.)
func TestBatchHearsEveryRateLimit(t *testing.T) {
	for _, direct := range []bool{true, false} {
		name := "router"
		if direct {
			name = "adapter"
		}
		t.Run(name, func(t *testing.T) {
			v := newTwilio(t, 0)
			var mu sync.Mutex
			seen := map[string]bool{}
			perEndpoint := make([]atomic.Int32, 2)
			var urls []string
			for i := range 2 {
				fake := vendorfake.ForEndpoint(v.fake, i+1)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost {
						perEndpoint[i].Add(1)
						mu.Lock()
						first := !seen[r.URL.Path]
						seen[r.URL.Path] = true
						mu.Unlock()
						if first { // each participant's first update is refused
							w.Header().Set("Content-Type", "application/json")
							w.WriteHeader(http.StatusTooManyRequests)
							_, _ = w.Write([]byte(`{"code":20429,"message":"Too Many Requests","status":429}`))
							return
						}
					}
					fake.ServeHTTP(w, r)
				}))
				t.Cleanup(srv.Close)
				urls = append(urls, srv.URL)
			}
			var u batch.Client = defaultsRouter(t, v, urls).Client()
			if direct {
				a, err := twilio.New(twilio.Config{AccountSID: v.account, AuthToken: twilioToken, BaseURL: urls[0]})
				require.NoError(t, err)
				t.Cleanup(func() { _ = a.Close() })
				u = a
			}
			lim := batch.NewLimiter(8)
			results, err := batch.UpdateAll(context.Background(), u, v.ref.ConferenceRef(), mute, batch.Options{Limiter: lim})
			require.NoError(t, err)
			require.NotEmpty(t, results)
			for _, r := range results {
				require.NoError(t, r.Err)
				assert.Equal(t, 1, r.RateLimited, "%s: the 429 came back to the batch, which sent it again", r.Call)
			}
			assert.Less(t, lim.Limit(), lim.Max(), "the shared limiter heard the 429s and cut its limit")
			assert.Zero(t, perEndpoint[1].Load(), "a 429 is not carried to another endpoint of the same account")
			assert.Equal(t, 2*len(results), int(perEndpoint[0].Load()), "each update: the 429, then the update sent again")
		})
	}
}
