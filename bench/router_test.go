package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// BenchmarkRouter compares a router with the adapter it routes to, in one
// run: each iteration makes one update each way, alternately, so a shared
// machine's drift hits both alike. It reports the time of each
// (base-ns/op, router-ns/op), their ratio (x-time), and the allocations
// per update of each (measured apart with testing.AllocsPerRun).
//
//   - healthy-primary: the router over a healthy primary (and a
//     secondary) vs that primary's adapter called directly;
//   - primary-open: the primary refuses connections and its breaker is
//     open, vs the secondary's adapter called directly;
//   - …-deadline: the same with a caller's context that has a deadline
//     (30s), as most callers pass: net/http then wires cancellation for
//     the direct call too, as it does for the router's per-attempt
//     timeout.
//   - …-short-deadline: a caller's deadline of 5s, sooner than the
//     router's AttemptTimeout (10s): on the last endpoint the caller's
//     deadline is the attempt's bound, and the router sets no timer.
func BenchmarkRouter(b *testing.B) {
	for _, tc := range []struct {
		name        string
		primaryDown bool
		deadline    time.Duration
	}{{"healthy-primary", false, 0}, {"primary-open", true, 0},
		{"healthy-primary-deadline", false, 30 * time.Second}, {"primary-open-deadline", true, 30 * time.Second},
		{"healthy-primary-short-deadline", false, 5 * time.Second}, {"primary-open-short-deadline", true, 5 * time.Second}} {
		b.Run(tc.name, func(b *testing.B) {
			up := newServer(b, fixedHandler(twilioBody))
			primary := up.URL
			if tc.primaryDown {
				primary = refusingURL(b)
			}
			r := newBenchRouter(b, primary, up.URL, time.Hour)
			direct := carrierkitUpdate(twilioAdapter(b, up.URL), participant.Ref{Conference: twConference, Call: twCall})
			routed := carrierkitUpdate(r.Client(), participant.Ref{Account: twAccount, Conference: twConference, Call: twCall})
			// The caller's context; with a deadline, renewed every 1,000
			// iterations (untimed), so it never runs out.
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			renew := func() {
				cancel()
				if tc.deadline > 0 {
					ctx, cancel = context.WithTimeout(context.Background(), tc.deadline)
				}
			}
			renew()
			defer func() { cancel() }()
			for range 3 { // open the connections; open the primary's breaker
				must(b, direct(ctx))
				must(b, routed(ctx))
			}
			if tc.primaryDown && r.Health()[0].Endpoints[0].State != router.StateOpen {
				b.Fatal("the primary's breaker is not open")
			}
			allocs := func(f updateFunc) float64 {
				return testing.AllocsPerRun(200, func() { must(b, f(ctx)) })
			}
			baseAllocs, routerAllocs := allocs(direct), allocs(routed)
			var base, routedTime time.Duration
			b.ResetTimer()
			for i := range b.N {
				if i%1000 == 999 {
					renew()
				}
				// Alternate which goes first, so neither always follows the other.
				first, second, t1, t2 := direct, routed, &base, &routedTime
				if i%2 == 1 {
					first, second, t1, t2 = routed, direct, &routedTime, &base
				}
				start := time.Now()
				must(b, first(ctx))
				mid := time.Now()
				must(b, second(ctx))
				*t1 += mid.Sub(start)
				*t2 += time.Since(mid)
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(base.Nanoseconds())/n, "base-ns/op")
			b.ReportMetric(float64(routedTime.Nanoseconds())/n, "router-ns/op")
			b.ReportMetric(float64(routedTime)/float64(base), "x-time")
			b.ReportMetric(baseAllocs, "base-allocs/op")
			b.ReportMetric(routerAllocs, "router-allocs/op")
		})
	}
}

// BenchmarkRouterHungPrimary is the time to the first success when the
// primary accepts and never answers and its breaker is closed (it never
// opens here): each update waits out the per-attempt timeout on the
// primary, then succeeds on the secondary. The bound is AttemptTimeout
// plus one secondary update; first-success-ns/op is the measured time.
func BenchmarkRouterHungPrimary(b *testing.B) {
	const attemptTimeout = 20 * time.Millisecond
	hung := newServer(b, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // read, so the server notices the client leaving
		<-r.Context().Done()
	}))
	up := newServer(b, fixedHandler(twilioBody))
	r := newBenchRouter(b, hung.URL, up.URL, 0, attemptTimeout)
	routed := carrierkitUpdate(r.Client(), participant.Ref{Account: twAccount, Conference: twConference, Call: twCall})
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		must(b, routed(ctx))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "first-success-ns/op")
	b.ReportMetric(float64(attemptTimeout.Nanoseconds()), "attempt-timeout-ns")
}

// newBenchRouter is a router over one Twilio carrier with a primary and a
// secondary endpoint, each adapter sending once (the router retries). A
// cool-down of 0 keeps the breaker from ever opening (failures: 1<<30).
func newBenchRouter(tb testing.TB, primary, secondary string, coolDown time.Duration, attemptTimeout ...time.Duration) *router.Router {
	p := router.Policy{Breaker: router.BreakerSettings{Failures: 1, CoolDown: coolDown}}
	if coolDown == 0 {
		p.Breaker = router.BreakerSettings{Failures: 1 << 30}
	}
	if len(attemptTimeout) > 0 {
		p.AttemptTimeout = attemptTimeout[0]
	}
	r, err := router.New(router.Options{}, router.Carrier{Name: "us", Account: twAccount, Policy: p,
		Endpoints: []router.Endpoint{{Name: "primary", Driver: twilioAdapter(tb, primary)},
			{Name: "secondary", Driver: twilioAdapter(tb, secondary)}}})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func twilioAdapter(tb testing.TB, base string) *carrierkit.Client {
	c, err := twilio.New(twilio.Config{AccountSID: twAccount, AuthToken: twToken, BaseURL: base,
		Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// refusingURL is the URL of a loopback port nothing listens on.
func refusingURL(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func must(tb testing.TB, err error) {
	if err != nil {
		tb.Fatal(err)
	}
}
