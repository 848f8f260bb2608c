package router_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// counters is an Observer that keeps metrics as plain counters; wire a
// Prometheus or OpenTelemetry counter the same way.
type counters struct {
	attempts, failovers, skipped, opened atomic.Int64
}

func (c *counters) Attempt(e router.AttemptEvent) {
	switch e.Outcome {
	case router.OutcomeSkipped:
		c.skipped.Add(1)
		return
	case router.OutcomeFailover:
		c.failovers.Add(1)
	}
	c.attempts.Add(1)
}

func (c *counters) StateChange(e router.StateChangeEvent) {
	if e.To == router.StateOpen {
		c.opened.Add(1)
	}
}

// An Observer counts attempts, failovers and breaker openings while the
// primary endpoint refuses connections.
func ExampleObserver() {
	const account, token = "AC00000000000000000000000000000001", "token"
	ref := participant.Ref{Account: account, Conference: "CF00000000000000000000000000000001",
		Call: "CA00000000000000000000000000000001"}
	// The secondary answers like Twilio's participant resource.
	secondary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"account_sid":%q,"conference_sid":%q,"call_sid":%q,"muted":true,"hold":false,"status":"connected"}`,
			account, ref.Conference, ref.Call)
	}))
	defer secondary.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	primary := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there: connections are refused

	endpoint := func(root string) router.Endpoint {
		u, _ := twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: root,
			Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
		return router.Endpoint{Name: root, Driver: u}
	}
	metrics := new(counters)
	r, err := router.New(router.Options{Observer: metrics}, router.Carrier{
		Name: "us", Account: account,
		Endpoints: []router.Endpoint{endpoint(primary), endpoint(secondary.URL)},
		Policy:    router.Policy{Breaker: router.BreakerSettings{Failures: 2}},
	})
	if err != nil {
		panic(err)
	}
	for range 4 {
		if _, err := r.Client().Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)}); err != nil {
			panic(err)
		}
	}
	fmt.Println("attempts:", metrics.attempts.Load(), "failovers:", metrics.failovers.Load(),
		"skipped:", metrics.skipped.Load(), "breakers opened:", metrics.opened.Load())
	fmt.Println("primary:", r.Health()[0].Endpoints[0].State)
	// Output:
	// attempts: 6 failovers: 2 skipped: 2 breakers opened: 1
	// primary: open
}

// The router's client is what the app calls, as it would one adapter's:
// it validates each request once, against the owning carrier, and the
// participants it returns name their carrier, so p.Ref() comes back to it.
func ExampleRouter_Client() {
	const account, token = "AC00000000000000000000000000000001", "token"
	ref := participant.Ref{Account: account, Conference: "CF00000000000000000000000000000001",
		Call: "CA00000000000000000000000000000001"}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"account_sid":%q,"conference_sid":%q,"call_sid":%q,"muted":true,"hold":false,"status":"connected"}`,
			account, ref.Conference, ref.Call)
	}))
	defer api.Close()
	us, _ := twilio.New(twilio.Config{AccountSID: account, AuthToken: token, BaseURL: api.URL})
	r, err := router.New(router.Options{}, router.Carrier{Name: "us", Account: account,
		Endpoints: []router.Endpoint{{Name: "primary", Driver: us}}})
	if err != nil {
		panic(err)
	}
	c := r.Client()
	defer c.Close()
	p, err := c.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Carrier, p.Muted)
	_, err = c.Update(context.Background(), p.Ref(), participant.UpdateRequest{})
	fmt.Println(err)
	// Output:
	// us true
	// carrierkit twilio update: invalid argument: nothing to update: set at least one field
}
