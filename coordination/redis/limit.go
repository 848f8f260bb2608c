package redis

import (
	"context"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/participant"
)

// localPrefix marks the leases of the fallback, held in this process only.
const localPrefix = "local:"

// Account is one carrier account's shared slots, pause and adaptive limit:
// a batch.Coordinator. Get it with Client.Account and give it to
// batch.NewSharedLimiter.
type Account struct {
	c    *Client
	name string
	keys []string
	seen atomic.Int64 // the shared limit as last seen (0: not yet)

	mu         sync.Mutex
	held       int           // slots this instance holds: Redis leases and local ones
	local      int           // of which local (fallback) ones
	max        int           // the max of the last Acquire
	changed    chan struct{} // closed and replaced when held falls
	down       bool          // on the fallback
	downUntil  time.Time     // ask Redis again from then
	probing    bool          // one call is asking Redis again
	resume     time.Time     // the fallback's own pause after a 429
	unreleased []string      // Redis leases ended during an outage: released once back
	// leases are the Redis leases held; those taken before the last
	// outage began are also in stale: Redis may have lost them (a
	// restart), so after an outage they count as held outside Redis.
	leases    map[string]bool
	stale     map[string]bool
	backUntil time.Time // within the recovery window after an outage
	epoch     string    // of the Redis last answered
}

var _ batch.Coordinator = (*Account)(nil)

// Account returns the coordination of the carrier account name (the same
// value for the same name).
func (c *Client) Account(name string) *Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[name]
	if !ok {
		a = &Account{c: c, name: name, keys: c.keys(name), changed: make(chan struct{}),
			leases: map[string]bool{}, stale: map[string]bool{}}
		c.accounts[name] = a
	}
	return a
}

// Limit returns the shared adaptive limit as last seen; while falling
// back, the local limit.
func (a *Account) Limit() int {
	a.mu.Lock()
	down, m := a.down, a.max
	a.mu.Unlock()
	if down {
		return a.fallbackLimit(m)
	}
	if n := a.seen.Load(); n > 0 {
		return int(n)
	}
	return math.MaxInt // nothing seen yet: the Limiter's max
}

func (a *Account) fallbackLimit(max int) int {
	if a.c.opts.Fallback == FailClosed {
		return 0
	}
	return 1 + (max-1)/a.c.opts.Instances // ceil is too many: floor, but at least 1
}

// Acquire takes one of max slots across instances; see the package
// documentation for the waits and the fallback.
func (a *Account) Acquire(ctx context.Context, max, successes int) (string, error) {
	a.mu.Lock()
	a.max = max
	onRedis := a.useRedis()
	a.mu.Unlock()
	if !onRedis {
		return a.acquireLocal(ctx, max)
	}
	c := a.c
	id := c.newID()
	granted := make(chan struct{})
	c.mu.Lock()
	c.grants[id] = granted
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.grants, id)
		c.mu.Unlock()
	}()
	for {
		var res []any
		err := c.call(ctx, func(ctx context.Context) (err error) {
			res, err = acquireScript.Run(ctx, c.rdb, a.keys, a.args(id, max, successes)...).Slice()
			return err
		})
		successes = 0
		var status, value, limit int64
		var epoch string
		if err == nil {
			err = scan(res, &status, &value, &limit, &epoch)
		}
		if err != nil {
			if ctx.Err() != nil {
				a.mu.Lock()
				a.probing = false
				a.mu.Unlock()
				a.cancel(id)
				return "", ctx.Err()
			}
			a.fail(err)
			a.cancel(id) // it may be queued, or even granted
			return a.acquireLocal(ctx, max)
		}
		a.sawEpoch(epoch)
		a.back()
		a.seen.Store(limit)
		wait := queueTTL / 2 // queued: a release hands the slot over
		switch status {
		case 1:
			return id, a.took(ctx, id)
		case 0:
			wait = time.Duration(value) * time.Millisecond // paused
		}
		t := time.NewTimer(wait)
		select {
		case <-granted:
			t.Stop()
			return id, a.took(ctx, id)
		case <-t.C: // ask again: the pause is over, or a grant was missed
		case <-ctx.Done():
			t.Stop()
			a.cancel(id)
			return "", ctx.Err()
		}
	}
}

// useRedis reports whether to ask Redis: not while falling back, except
// for one call once RetryEvery has passed. Called with mu held.
func (a *Account) useRedis() bool {
	if !a.down {
		return true
	}
	if a.probing || time.Now().Before(a.downUntil) {
		return false
	}
	a.probing = true
	return true
}

// args are the ARGV of the acquire and release scripts (see scripts.go).
func (a *Account) args(id string, max, successes int) []any {
	a.mu.Lock()
	outside := a.local + len(a.stale)
	back := "0"
	if time.Now().Before(a.backUntil) {
		back = "1"
	}
	epoch, held := a.epoch, len(a.leases)
	a.mu.Unlock()
	o := a.c.opts
	return []any{id, max, ms(o.Lease), successes, ms(queueTTL), outside, back, ms(a.c.window()),
		o.Instances, a.fallbackLimit(max), a.c.grantPrefix(), a.c.newID(), epoch, held}
}

// sawEpoch notes the epoch of the Redis that answered; a new one (Redis
// restarted and forgot every lease) makes the leases held stale.
func (a *Account) sawEpoch(epoch string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if epoch == a.epoch {
		return
	}
	if a.epoch != "" {
		for id := range a.leases {
			a.stale[id] = true
		}
		a.backUntil = time.Now().Add(a.c.window())
	}
	a.epoch = epoch
}

// took counts a Redis lease, then waits for the rate limit if one is set.
func (a *Account) took(ctx context.Context, id string) error {
	a.mu.Lock()
	a.held++
	a.leases[id] = true
	a.mu.Unlock()
	r := a.c.opts.Rate
	if r == nil || r.Requests < 1 || r.Period <= 0 {
		return nil
	}
	burst := r.Burst
	if burst < 1 {
		burst = r.Requests
	}
	for {
		var wait int64
		err := a.c.call(ctx, func(ctx context.Context) (err error) {
			wait, err = rateScript.Run(ctx, a.c.rdb, a.keys, r.Requests, ms(r.Period), burst).Int64()
			return err
		})
		if err != nil || wait <= 0 {
			if err != nil && ctx.Err() == nil {
				a.fail(err) // the fallback has no rate limit of its own: the concurrency bound stays
			}
			if ctx.Err() != nil {
				a.Release(id, 0)
				return ctx.Err()
			}
			return nil
		}
		if err := sleep(ctx, time.Duration(wait)*time.Millisecond); err != nil {
			a.Release(id, 0)
			return err
		}
	}
}

// acquireLocal is the fallback: at most Max/Instances slots held by this
// instance, Redis leases from before the outage included, or
// ErrUnavailable when failing closed.
func (a *Account) acquireLocal(ctx context.Context, most int) (string, error) {
	limit := a.fallbackLimit(most)
	if limit == 0 {
		return "", &participant.Error{Code: participant.CodeUnavailable, Op: "acquire",
			Message: "redis coordination unavailable; failing closed, nothing sent"}
	}
	for {
		a.mu.Lock()
		if !a.down || !a.probing && !time.Now().Before(a.downUntil) {
			a.mu.Unlock()
			return a.Acquire(ctx, most, 0) // time to ask Redis again
		}
		wait := time.Until(a.resume)
		// While one call asks Redis again, no new local slot: that call
		// reports the local slots held, and must not miss one.
		if wait <= 0 && a.held < limit && !a.probing {
			a.held++
			a.local++
			a.mu.Unlock()
			return localPrefix + a.c.newID(), nil
		}
		if wait <= 0 {
			wait = time.Until(a.downUntil)
			if a.probing {
				wait = a.c.opts.Timeout // the probe ends within it, and wakes us
			}
		}
		changed := a.changed
		a.mu.Unlock()
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		}
		t.Stop()
	}
}

// Release gives back a lease.
func (a *Account) Release(lease string, successes int) {
	a.mu.Lock()
	a.held--
	isLocal := strings.HasPrefix(lease, localPrefix)
	if isLocal {
		a.local--
	}
	a.wake()
	down, m := a.down, a.max
	if down && !isLocal {
		a.unreleased = append(a.unreleased, lease)
	}
	delete(a.leases, lease)
	delete(a.stale, lease)
	a.mu.Unlock()
	if isLocal || down {
		return
	}
	var res []any
	err := a.c.call(context.Background(), func(ctx context.Context) (err error) {
		res, err = releaseScript.Run(ctx, a.c.rdb, a.keys, a.args(lease, m, successes)...).Slice()
		return err
	})
	var limit int64
	var epoch string
	if err == nil {
		err = scan(res, &limit, &epoch)
	}
	if err == nil {
		a.sawEpoch(epoch)
		a.seen.Store(limit)
	}
	if err != nil {
		a.fail(err)
		a.mu.Lock()
		a.unreleased = append(a.unreleased, lease)
		a.mu.Unlock()
	}
}

// cancel takes a waiter out of the queue, or gives back the slot it was
// handed meanwhile; bounded, and forgotten if Redis does not answer (the
// entry expires).
func (a *Account) cancel(id string) {
	a.mu.Lock()
	m := a.max
	a.mu.Unlock()
	_ = a.c.call(context.Background(), func(ctx context.Context) error {
		return releaseScript.Run(ctx, a.c.rdb, a.keys, a.args(id, m, 0)...).Err()
	})
}

// RateLimited pauses every instance and cuts the shared limit; while
// falling back, it pauses this instance.
func (a *Account) RateLimited(retryAfter time.Duration) {
	a.mu.Lock()
	m, down := a.max, a.down
	a.mu.Unlock()
	var res []int64
	err := errDown
	if !down {
		err = a.c.call(context.Background(), func(ctx context.Context) (err error) {
			res, err = rateLimitedScript.Run(ctx, a.c.rdb, a.keys, ms(min(retryAfter, batch.MaxPause)), max(m, 1),
				batch.Decrease, ms(batch.MinPause), ms(batch.MaxBackoff)).Int64Slice()
			return err
		})
	}
	if err == nil && len(res) == 2 {
		a.seen.Store(res[0])
		return
	}
	if err != errDown {
		a.fail(err)
	}
	a.mu.Lock()
	if until := time.Now().Add(max(min(retryAfter, batch.MaxPause), batch.MinPause)); until.After(a.resume) {
		a.resume = until
	}
	a.mu.Unlock()
}

// fail puts the account on its fallback for RetryEvery.
func (a *Account) fail(err error) {
	a.mu.Lock()
	was := a.down
	a.down, a.probing = true, false
	a.downUntil = time.Now().Add(a.c.opts.RetryEvery)
	if !was {
		for id := range a.leases {
			a.stale[id] = true
		}
	}
	a.wake()
	limit := a.fallbackLimit(a.max)
	a.mu.Unlock()
	if was {
		return
	}
	a.c.log.Warn("redis coordination unavailable: falling back", zap.String("account", a.name),
		zap.Int("local_limit", limit), zap.Bool("fail_closed", a.c.opts.Fallback == FailClosed), zap.Error(err))
	if o := a.c.opts.Observer; o != nil {
		o.Coordination(Event{Account: a.name, Fallback: true, Limit: limit, Err: err})
	}
}

// back ends the fallback after a Redis call answered, and gives back the
// leases that ended meanwhile.
func (a *Account) back() {
	a.mu.Lock()
	was := a.down
	a.down, a.probing = false, false
	if was {
		a.backUntil = time.Now().Add(a.c.window())
		a.wake()
	}
	ended := a.unreleased
	a.unreleased = nil
	m := a.max
	a.mu.Unlock()
	if !was {
		return
	}
	if len(ended) > 0 {
		_ = a.c.call(context.Background(), func(ctx context.Context) error {
			_, err := a.c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
				for _, id := range ended {
					releaseScript.Run(ctx, p, a.keys, a.args(id, m, 0)...)
				}
				return nil
			})
			return err
		})
	}
	a.c.log.Info("redis coordination back", zap.String("account", a.name))
	if o := a.c.opts.Observer; o != nil {
		o.Coordination(Event{Account: a.name})
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wake tells the local waiters that something changed. Called with mu held.
func (a *Account) wake() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// scan reads a script's answer into ints and strings.
func scan(res []any, into ...any) error {
	if len(res) != len(into) {
		return errShape
	}
	for i, v := range res {
		switch p := into[i].(type) {
		case *int64:
			n, ok := v.(int64)
			if !ok {
				return errShape
			}
			*p = n
		case *string:
			s, ok := v.(string)
			if !ok {
				return errShape
			}
			*p = s
		}
	}
	return nil
}
