package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"text/tabwriter"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// demoFailover is the demo's last act: a carrier with two endpoints whose
// primary refuses connections.
type demoFailover struct {
	Carrier   string   `json:"carrier"`
	Provider  string   `json:"provider"`
	Endpoints []string `json:"endpoints"`
	// BreakerFailures is the failures that open an endpoint's breaker:
	// the demo sets 1 (router.DefaultFailures is the default) so one
	// refused connection shows it opening.
	BreakerFailures int                      `json:"breaker_failures"`
	Attempts        []demoAttempt            `json:"attempts"`
	Breaker         []string                 `json:"breaker_changes"`
	Requests        []emulator.Request       `json:"wire_requests"`
	Result          *participant.Participant `json:"result"`
	Health          []router.CarrierHealth   `json:"health"`
}

type demoAttempt struct {
	Endpoint string `json:"endpoint"`
	Attempt  int    `json:"attempt"`
	Outcome  string `json:"outcome"`
	Code     string `json:"code,omitempty"`
}

// demoObserver keeps the router's events for the report.
type demoObserver struct {
	mu  sync.Mutex
	rep *demoFailover
}

func (o *demoObserver) Attempt(e router.AttemptEvent) {
	a := demoAttempt{Endpoint: e.Endpoint, Attempt: e.Attempt, Outcome: string(e.Outcome)}
	if e.Err != nil {
		a.Code = e.Code.String()
	}
	o.mu.Lock()
	o.rep.Attempts = append(o.rep.Attempts, a)
	o.mu.Unlock()
}

func (o *demoObserver) StateChange(e router.StateChangeEvent) {
	o.mu.Lock()
	change := fmt.Sprintf("%s: %s -> %s", e.Endpoint, e.From, e.To)
	if e.To == router.StateOpen { // an endpoint opens after an error; other changes need not follow one
		change += " (last error: " + e.LastCode.String() + ")"
	}
	o.rep.Breaker = append(o.rep.Breaker, change)
	o.mu.Unlock()
}

// demoFailoverRun serves a second emulator on two endpoints, makes the
// first refuse connections, and sends the demo update to the first
// registered carrier through a router.
func demoFailoverRun(ctx context.Context, opts driver.Options) (*demoFailover, error) {
	e := emulated.New()
	var lns []net.Listener
	var bases []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, err
		}
		lns = append(lns, ln)
		bases = append(bases, "http://"+ln.Addr().String())
	}
	sctx, stop := context.WithCancel(ctx)
	wait, err := e.StartEndpoints(sctx, lns)
	if err != nil {
		stop()
		return nil, err
	}
	defer func() { stop(); _ = wait() }()
	if err := e.Inject(emulator.Fault{Refuse: true, Endpoint: 1}); err != nil {
		return nil, err
	}
	// The first registered carrier stands for all: the router is the same
	// for every one.
	v := e.Vendors()[0]
	info := e.InfoEndpoints(bases)[v.Name]
	// Credentials are set in code on the opener: the demo reads no environment.
	mux, err := emulated.DemoMux(v.Carrier, v.Demo, opts)
	if err != nil {
		return nil, err
	}
	rep := &demoFailover{Carrier: "us", Provider: v.Name, Endpoints: info.BaseURLs, BreakerFailures: 1}
	c := router.Carrier{Name: rep.Carrier, Account: info.Account,
		Policy: router.Policy{Breaker: router.BreakerSettings{Failures: rep.BreakerFailures}}}
	var ref participant.Ref
	for _, root := range info.BaseURLs {
		u, err := mux.OpenUpdater(ctx, v.Name+"://?max_retries=0&base_url="+url.QueryEscape(root))
		if err != nil {
			return nil, err
		}
		ref = demoRef(v, u.Capabilities())
		pu, _ := url.Parse(root)
		c.Endpoints = append(c.Endpoints, router.Endpoint{Name: pu.Host, Driver: u})
	}
	r, err := router.New(router.Options{Observer: &demoObserver{rep: rep}, Logger: opts.Logger}, c)
	if err != nil {
		return nil, err
	}
	rep.Result, err = r.Client().Update(ctx, ref, demoUpdate)
	if err != nil {
		return nil, err
	}
	rep.Requests, _ = e.Requests(v.Name)
	rep.Health = r.Health()
	return rep, nil
}

func (f *demoFailover) print(w io.Writer) error {
	fmt.Fprintf(w, "\nfailover: carrier %s (%s) has two endpoints; the primary refuses connections\n", f.Carrier, f.Provider)
	fmt.Fprintf(w, "the demo sets the breaker to open after %d failure (router.BreakerSettings{Failures: %d}; the default is %d)\n",
		f.BreakerFailures, f.BreakerFailures, router.DefaultFailures)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, e := range f.Endpoints {
		fmt.Fprintf(tw, "  endpoint %d\t%s\n", i+1, e)
	}
	for _, a := range f.Attempts {
		fmt.Fprintf(tw, "  attempt %d\t%s\t%s\t%s\n", a.Attempt, a.Endpoint, a.Outcome, a.Code)
	}
	for _, b := range f.Breaker {
		fmt.Fprintf(tw, "  breaker\t%s\n", b)
	}
	fmt.Fprintln(tw, "wire requests")
	for _, r := range f.Requests {
		fmt.Fprintf(tw, "  endpoint %d\t%s %s -> %d\n", r.Endpoint, r.Method, r.Path, r.Status)
	}
	for _, c := range f.Health {
		for _, e := range c.Endpoints {
			fmt.Fprintf(tw, "  health\t%s\t%s\tfailures %d\tanswers %d\n", e.Name, e.State, e.Failures, e.Answers)
		}
	}
	return tw.Flush()
}
