package config

import (
	"context"
	"errors"

	"github.com/carrierkit/carrierkit/providers/router"
)

// OpenRouter opens the carriers names of cfg (every carrier when none is
// given), one adapter per endpoint, and returns a router.Router over them
// (its portable client is r.Client()). It lives here, not in package
// router, so that a router built by hand does not link the config file's
// schema validator. A carrier's "retry" settings become the
// router's (1+max_retries attempts across its endpoints, the waits between
// passes); its endpoint adapters send each request once. "breaker" and
// "failover" set the Policy. Nothing is sent. Problems (an unset
// environment variable) are reported at their JSON paths, as Open
// does, all in one *Error.
func OpenRouter(ctx context.Context, cfg *Config, opts router.Options, names ...string) (*router.Router, error) {
	if len(names) == 0 {
		names = cfg.Names()
	}
	var carriers []router.Carrier
	var all *Error
	for _, name := range names {
		eps, err := cfg.OpenEndpoints(ctx, name, true)
		var ce *Error
		switch {
		case errors.As(err, &ce) && all == nil:
			all = ce
			continue
		case errors.As(err, &ce):
			all.Problems = append(all.Problems, ce.Problems...)
			continue
		case err != nil:
			return nil, err
		}
		cr := cfg.Carriers[name]
		c := router.Carrier{Name: name, Account: cr.Account(), Policy: PolicyOf(cr)}
		for _, e := range eps {
			c.Endpoints = append(c.Endpoints, router.Endpoint{Name: e.Name, Driver: e.Updater})
		}
		carriers = append(carriers, c)
	}
	if all != nil {
		return nil, all
	}
	return router.New(opts, carriers...)
}

// PolicyOf returns the failover policy a config file gives carrier c: its
// "breaker", "failover" and "retry" settings, as the file was read (and
// checked) when loaded.
func PolicyOf(c *Carrier) router.Policy {
	return router.Policy{
		Breaker:        router.BreakerSettings{Failures: c.Breaker.Failures, CoolDown: c.Breaker.CoolDown, Probes: c.Breaker.Probes},
		AttemptTimeout: c.AttemptTimeout,
		Retry:          c.Retry(),
	}
}
