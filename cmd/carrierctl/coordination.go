package main

import (
	"fmt"
	"os"
	"strings"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/coordination/redis"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
)

// coordinated is the coordination a --config file names: the Redis client
// and the account whose limit update --all shares.
type coordinated struct {
	client  *redis.Client
	account string
}

// routerOptions returns the router's options for cfg, opening the
// coordination its "coordination" section names, for the carriers names
// (every carrier when empty): endpoint health is shared, and update --all
// shares the account's limit (sharedLimiter).
func (t *target) routerOptions(cfg *config.Config, names []string, log *zap.Logger) (router.Options, error) {
	opts := router.Options{Logger: log}
	if cfg.Coordination == nil || cfg.Coordination.Redis == nil {
		return opts, nil
	}
	c, err := redis.FromConfig(cfg.Coordination.Redis, redis.Options{Logger: log, Observer: stderrObserver{}})
	if err != nil {
		return opts, err
	}
	if len(names) == 0 {
		names = cfg.Names()
	}
	// One account's limit: the carrier's account when one carrier is
	// addressed, else the --account flag, else the carriers' names.
	account := t.account
	if len(names) == 1 {
		account = names[0]
		if a := cfg.Carriers[names[0]].Account(); a != "" {
			account = a
		}
	}
	if account == "" {
		account = strings.Join(names, "+")
	}
	t.coord = &coordinated{client: c, account: account}
	opts.Shared = c
	return opts, nil
}

// stderrObserver says on stderr, with or without -v, when the process
// falls back from Redis and when it is back: the limit it holds changes.
type stderrObserver struct{}

func (stderrObserver) Coordination(e redis.Event) {
	switch {
	case e.Fallback && e.Limit == 0:
		fmt.Fprintf(os.Stderr, "carrierctl: redis coordination unavailable for %s: falling back to fail closed: %v\n", e.Account, e.Err)
	case e.Fallback:
		fmt.Fprintf(os.Stderr, "carrierctl: redis coordination unavailable for %s: falling back to a local limit of %d: %v\n",
			e.Account, e.Limit, e.Err)
	default:
		fmt.Fprintf(os.Stderr, "carrierctl: redis coordination for %s is back\n", e.Account)
	}
}

// sharedLimiter returns the limiter update --all shares with the other
// instances, nil without coordination (the batch makes its own).
func (t *target) sharedLimiter(limit int) *batch.Limiter {
	if t.coord == nil {
		return nil
	}
	return batch.NewSharedLimiter(limit, t.coord.client.Account(t.coord.account))
}

// closeCoordination closes the Redis client, if one was opened, once.
func (t *target) closeCoordination() {
	if t.coord != nil {
		_ = t.coord.client.Close()
		t.coord = nil
	}
}

// release ends a command that opened u: the carrier's connections and the
// coordination's Redis client are closed, so nothing the command started
// outlives it.
func (t *target) release(u *carrierkit.Client) {
	_ = u.Close()
	t.closeCoordination()
}
