package redis

import (
	"container/list"
	"context"
	"errors"
	"math"
	"slices"
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
	leases map[string]*leaseInfo
	stale  map[string]bool
	// waiters are this instance's requests queued in Redis, each waiting
	// on a chan string for a lease of the instance's own.
	waiters list.List
	// idle are leases given back by a request and kept a moment
	// (idleGrace) for the instance's next request; carry are the
	// successes not yet reported to Redis.
	idle      []string
	carry     int
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
			leases: map[string]*leaseInfo{}, stale: map[string]bool{}}
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

// leaseInfo is a Redis lease this instance holds.
type leaseInfo struct {
	uses int       // requests it served after the first
	at   time.Time // when Redis granted it
}

// Reuse of a lease within an instance: a lease given back is kept for
// idleGrace for the instance's next request, up to maxReuse times and
// while younger than half the Lease, then goes back to Redis, whose queue
// hands it to the fleet's first waiter. A busy instance thus mostly needs
// no round trip per request, and still lets the others in.
const (
	maxReuse  = 4
	idleGrace = 5 * time.Millisecond
)

// Acquire takes one of max slots across instances; see the package
// documentation for the waits and the fallback.
func (a *Account) Acquire(ctx context.Context, max, successes int) (string, error) {
	for {
		lease, err := a.acquire(ctx, max, successes)
		if err != errAskRedis {
			return lease, err
		}
		successes = 0 // reported by the first try, or carried
	}
}

// errAskRedis: the fallback's time is up, ask Redis again.
var errAskRedis = errors.New("ask redis again")

func (a *Account) acquire(ctx context.Context, max, successes int) (string, error) {
	a.mu.Lock()
	a.max = max
	if n := len(a.idle); n > 0 && !a.down && !time.Now().Before(a.resume) {
		id := a.idle[n-1]
		a.idle = a.idle[:n-1]
		a.leases[id].uses++
		a.carry += successes
		a.mu.Unlock()
		return id, a.waitRate(ctx, id)
	}
	successes += a.carry
	a.carry = 0
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
		if lease, ok := a.waitQueued(ctx, id, granted, wait); ok {
			if lease != id {
				return lease, a.waitRate(ctx, lease)
			}
			return id, a.took(ctx, id)
		}
		if ctx.Err() != nil {
			a.cancel(id)
			return "", ctx.Err()
		}
	}
}

// waitQueued waits for the grant of id, or an idle lease of this
// instance (then id leaves the queue in the background), until wait or ctx
// ends (ok false: ask again, or give up).
func (a *Account) waitQueued(ctx context.Context, id string, granted <-chan struct{}, wait time.Duration) (string, bool) {
	a.mu.Lock()
	if n := len(a.idle); n > 0 && !time.Now().Before(a.resume) {
		lease := a.idle[n-1]
		a.idle = a.idle[:n-1]
		a.leases[lease].uses++
		a.mu.Unlock()
		a.leaveQueue(id)
		return lease, true
	}
	// Wait in line here too: a lease of this instance that no request took
	// within idleGrace goes to the first local waiter (one wake-up).
	w := make(chan string, 1)
	e := a.waiters.PushBack(w)
	a.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	var lease string
	var ok bool
	select {
	case lease = <-w:
		a.leaveQueue(id)
		return lease, true
	case <-granted:
		lease, ok = id, true
	case <-t.C: // ask again: the pause is over, or a grant was missed
	case <-ctx.Done():
	}
	a.mu.Lock()
	for x := a.waiters.Front(); x != nil; x = x.Next() {
		if x == e {
			a.waiters.Remove(e)
			a.mu.Unlock()
			return lease, ok
		}
	}
	a.mu.Unlock()
	extra := <-w // a release took w out of line and handed it a lease meanwhile
	if !ok {
		a.leaveQueue(id)
		return extra, true
	}
	a.Release(extra, 0) // Redis granted id too: one is enough
	return lease, ok
}

// leaveQueue takes waiter id out of Redis's queue in the background (or
// gives back the slot Redis handed it meanwhile).
func (a *Account) leaveQueue(id string) {
	a.c.wg.Add(1)
	go func() {
		defer a.c.wg.Done()
		a.cancel(id)
	}()
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
	a.leases[id] = &leaseInfo{at: time.Now()}
	a.mu.Unlock()
	return a.waitRate(ctx, id)
}

// waitRate waits for the rate limit, if one is set, holding lease id;
// should ctx end first, it gives the lease back.
func (a *Account) waitRate(ctx context.Context, id string) error {
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
			return "", errAskRedis
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

// Release gives back a lease: kept a moment for this instance's next
// request (see maxReuse), else given back to Redis in the background.
func (a *Account) Release(lease string, successes int) {
	a.mu.Lock()
	isLocal := strings.HasPrefix(lease, localPrefix)
	if info := a.leases[lease]; !isLocal && !a.down && info != nil && info.uses < maxReuse &&
		time.Since(info.at) < a.c.opts.Lease/2 && !time.Now().Before(a.resume) && int64(a.held) <= a.seen.Load() {
		a.carry += successes
		a.idle = append(a.idle, lease)
		a.mu.Unlock()
		a.c.wg.Add(1)
		time.AfterFunc(idleGrace, func() {
			defer a.c.wg.Done()
			a.flushIdle(lease)
		})
		return
	}
	successes += a.carry
	a.carry = 0
	a.held--
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
	a.c.wg.Add(1)
	go func() {
		defer a.c.wg.Done()
		a.releaseRedis(lease, m, successes)
	}()
}

// flushIdle gives lease back to Redis unless a request took it meanwhile.
func (a *Account) flushIdle(lease string) {
	a.mu.Lock()
	i := slices.Index(a.idle, lease)
	if i < 0 {
		a.mu.Unlock()
		return
	}
	a.idle = slices.Delete(a.idle, i, i+1)
	info := a.leases[lease]
	// Not taken by the request that gave it back: the first of the
	// instance's requests queued in Redis gets it (one wake-up), else it
	// goes back to Redis.
	if front := a.waiters.Front(); front != nil && info != nil && !time.Now().Before(a.resume) {
		info.uses++
		a.waiters.Remove(front).(chan string) <- lease // buffered: never blocks
		a.mu.Unlock()
		return
	}
	if info != nil {
		info.uses = maxReuse // back to Redis now
	}
	a.mu.Unlock()
	a.Release(lease, 0)
}

// flushAllIdle gives back every idle lease (a pause, an outage, Close).
func (a *Account) flushAllIdle() {
	a.mu.Lock()
	idle := a.idle
	a.idle = nil
	for _, id := range idle {
		if info := a.leases[id]; info != nil {
			info.uses = maxReuse
		}
	}
	a.mu.Unlock()
	for _, id := range idle {
		a.Release(id, 0)
	}
}

// releaseRedis gives lease back to Redis, bounded.
func (a *Account) releaseRedis(lease string, m, successes int) {
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
		a.fail(err, lease) // kept in the same step: a back() meanwhile gives it back
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
				batch.Decrease, ms(batch.MinPause), ms(batch.MaxBackoff), a.c.pauseChannel(), a.name).Int64Slice()
			return err
		})
	}
	if err == nil && len(res) == 2 {
		a.seen.Store(res[0])
		a.pausedFor(time.Duration(res[1]) * time.Millisecond)
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

// pausedFor holds this instance's idle leases back for d: a pause the
// fleet set (this instance's 429, or another's, published).
func (a *Account) pausedFor(d time.Duration) {
	a.mu.Lock()
	if until := time.Now().Add(d); until.After(a.resume) {
		a.resume = until
	}
	a.mu.Unlock()
	a.flushAllIdle()
}

// fail puts the account on its fallback for RetryEvery, with the Redis
// leases whose release err failed to be given back once Redis answers
// again (back). They are noted as the account goes down, under one lock:
// noted after, a back() in between would miss them, and they would stay
// held in Redis until their lease ends.
func (a *Account) fail(err error, unreleased ...string) {
	a.mu.Lock()
	a.unreleased = append(a.unreleased, unreleased...)
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
	a.flushAllIdle()
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
