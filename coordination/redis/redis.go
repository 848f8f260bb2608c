// Package redis shares carrierkit's per-account limits and endpoint
// health among the instances of an app, on Redis (or Valkey) through
// github.com/redis/go-redis/v9. Import it only where several instances
// share a carrier account: the rest of carrierkit does not depend on it.
//
//	c, err := redis.Open(os.Getenv("CARRIERKIT_REDIS_URL"), redis.Options{Instances: 4})
//	lim := batch.NewSharedLimiter(50, c.Account("AC…"))      // 50 in flight across all instances
//	r, err := router.New(router.Options{Shared: c}, carriers…) // endpoint health shared too
//
// Shared concurrency. Each slot is a lease in a sorted set scored by its
// deadline on the Redis server's clock (TIME), taken and given back by two
// short Lua scripts: one round trip to acquire, one to release. A waiter
// that finds no free slot is queued in Redis, first come first served, and
// a release hands its slot to the first waiter and publishes the waiter's
// id on its instance's channel, so waiting costs no polling. A lease
// expires after Options.Lease: the slots of an instance that crashed come
// back by themselves. A rate-limited answer (429) sets one shared pause key
// that every instance's next acquire honours, and cuts the shared adaptive
// limit the way batch.Limiter does in process (once per round, AIMD).
// Options.Rate adds a per-period limit (GCRA, for carriers that state one:
// Plivo's 300 per 5 s, Vonage's 15/s).
//
// Shared endpoint health: see Client.Opened and Client.OpenUntil. The
// router keeps its own breaker (sony/gobreaker/v2) per endpoint and
// instance; when one instance's breaker opens, it sets a key
// "endpoint open until T" (with that expiry) and publishes it, and every
// instance skips the endpoint until T without sending. gobreaker's
// DistributedCircuitBreaker is not used: its Execute holds a fleet-wide
// lock for the whole carrier call, which would serialise every call to an
// endpoint across all instances.
//
// Redis down, slow or restarted. Every Redis call is bounded by
// Options.Timeout (default 250ms). When one fails, the instance falls back
// for Options.RetryEvery (default 1s) before it asks Redis again:
//   - FallbackLocal (the default): a local limit of Max/Instances, counting
//     every slot the instance holds (Redis leases taken before the outage
//     too), with a log line and an Observer event. N instances thus hold at
//     most the limit together, when Instances is N.
//   - FailClosed: Acquire fails with participant.ErrUnavailable; nothing
//     is sent.
//
// Back on Redis after an outage, each instance reports the slots it holds
// outside Redis (fallback slots, and leases a restarted Redis forgot: each
// Redis life has an epoch key, so a restart is seen), and for a window of
// 2×RetryEvery+2×Timeout an instance not yet heard from counts as its full
// fallback limit: the fleet stays within the limit through the outage and
// the way back. What no design can see is an instance alone cut off from a
// Redis the others still reach: it holds up to Max/Instances beyond them
// until it is back. Choose FailClosed where that must not happen.
//
// Set Lease above the longest request (the router's attempt timeout times
// its attempts) and below the time a crashed instance's slots may stay
// lost. A waiter whose grant message was lost (a reconnect) asks again
// within a second.
package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Defaults of Options.
const (
	DefaultPrefix     = "carrierkit"
	DefaultTimeout    = 250 * time.Millisecond
	DefaultLease      = 60 * time.Second
	DefaultRetryEvery = time.Second
	// queueTTL is how long a waiter stays queued without asking again;
	// a waiter asks again after half of it, in case a grant was missed.
	queueTTL = 2 * time.Second
)

// Fallback is what an instance does while Redis cannot be reached.
type Fallback int

const (
	// FallbackLocal limits the instance to Max/Instances in flight.
	FallbackLocal Fallback = iota
	// FailClosed fails every Acquire with participant.ErrUnavailable.
	FailClosed
)

// Rate is a limit per period, on top of the concurrency limit: Requests
// per Period, in bursts of up to Burst (0: Requests).
type Rate struct {
	Requests int
	Period   time.Duration
	Burst    int
}

// Options configure a Client. Zero fields take the defaults.
type Options struct {
	// Prefix starts every key and channel (default "carrierkit"). Apps
	// sharing one Redis keep apart by prefix.
	Prefix string
	// Timeout bounds every Redis call (default 250ms).
	Timeout time.Duration
	// Lease is how long a slot is held at most (default 60s): a crashed
	// instance's slots come back after it.
	Lease time.Duration
	// Instances is how many instances share each account, for the
	// fallback limit of Max/Instances (default 1).
	Instances int
	// Fallback says what to do while Redis cannot be reached.
	Fallback Fallback
	// RetryEvery is how long an instance stays on its fallback after a
	// failed Redis call before it asks Redis again (default 1s).
	RetryEvery time.Duration
	// Rate, when set, limits each account's requests per period.
	Rate *Rate
	// Logger gets a warning when the instance falls back and an info line
	// when it is back; never the URL. Nil: no logging.
	Logger *zap.Logger
	// Observer, when set, gets the same facts as events.
	Observer Observer
}

// Event is a change of an account's coordination.
type Event struct {
	Account string
	// Fallback: the instance now limits itself locally (or fails closed);
	// false: it is back on Redis.
	Fallback bool
	// Limit is the local limit in force during the fallback (0: fail closed).
	Limit int
	// Err is the Redis error that caused the fallback.
	Err error
}

// Observer gets coordination events, synchronously: keep it fast.
type Observer interface{ Coordination(Event) }

// Client is one instance's connection to the shared state. It is safe for
// concurrent use. Close it to stop its subscription.
type Client struct {
	rdb      goredis.UniversalClient
	opts     Options
	log      *zap.Logger
	instance string // random: this instance's part of lease ids
	seq      atomic.Uint64
	channel  string // grants for this instance

	mu       sync.Mutex
	accounts map[string]*Account
	grants   map[string]chan struct{} // waiter id -> closed when granted

	health healthCache

	sub    *goredis.PubSub
	done   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup // releases and verdicts sent in the background
}

// Open connects to the Redis at url (redis://[user:password@]host:port/db,
// rediss:// for TLS; the URL may hold a password, so take it from the
// environment, never from a file or a flag) and returns a Client. Nothing
// is sent until the first use: an unreachable Redis is the fallback's
// business, not an error here.
func Open(url string, opts Options) (*Client, error) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, errors.New("redis: the URL does not parse (its text is not shown: it may hold a password)")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1 // a slow Redis is the fallback's: no retry past the bound
	return New(goredis.NewClient(o), opts), nil
}

// New returns a Client over rdb (a *goredis.Client, ClusterClient or
// Ring). Closing the Client closes rdb. So that Options.Timeout bounds
// every call, New makes a *goredis.Client or ClusterClient honour context
// deadlines and not retry (go-redis's defaults ignore them: a stalled
// Redis held each call for its read timeouts and retries); give it rdb
// before using rdb elsewhere.
func New(rdb goredis.UniversalClient, opts Options) *Client {
	switch r := rdb.(type) {
	case *goredis.Client:
		r.Options().ContextTimeoutEnabled, r.Options().MaxRetries = true, 0 // 0: -1 is only read by NewClient
	case *goredis.ClusterClient:
		r.Options().ContextTimeoutEnabled, r.Options().MaxRetries = true, 0 // 0: -1 is only read by NewClient
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Instances < 1 {
		opts.Instances = 1
	}
	if opts.RetryEvery <= 0 {
		opts.RetryEvery = DefaultRetryEvery
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	c := &Client{rdb: rdb, opts: opts, log: opts.Logger, instance: hex.EncodeToString(b[:]),
		accounts: map[string]*Account{}, grants: map[string]chan struct{}{}, done: make(chan struct{})}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	c.channel = c.grantPrefix() + c.instance
	c.health.init()
	// The subscription reconnects by itself; until it does, waiters ask
	// again every queueTTL/2 and health is refreshed by polling.
	c.sub = rdb.Subscribe(context.Background(), c.channel, c.healthChannel(), c.pauseChannel())
	go c.listen()
	go c.refreshHealth()
	return c
}

// Redis returns the Redis client, to add hooks (metrics, tracing).
func (c *Client) Redis() goredis.UniversalClient { return c.rdb }

// Close gives back the idle leases, waits for the releases under way
// (each bounded), stops the subscription and closes the Redis client.
// Leases still held expire by themselves.
func (c *Client) Close() error {
	var err error
	c.closed.Do(func() {
		c.mu.Lock()
		accounts := make([]*Account, 0, len(c.accounts))
		for _, a := range c.accounts {
			accounts = append(accounts, a)
		}
		c.mu.Unlock()
		for _, a := range accounts {
			a.flushAllIdle()
		}
		c.wg.Wait()
		close(c.done)
		_ = c.sub.Close()
		err = c.rdb.Close()
	})
	return err
}

func (c *Client) grantPrefix() string   { return c.opts.Prefix + ":grant:" }
func (c *Client) healthChannel() string { return c.opts.Prefix + ":health" }
func (c *Client) pauseChannel() string  { return c.opts.Prefix + ":pause" }

// listen delivers grants to their waiters and health news to the cache.
func (c *Client) listen() {
	ch := c.sub.Channel()
	for {
		select {
		case <-c.done:
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if m.Channel == c.channel {
				c.mu.Lock()
				if g, ok := c.grants[m.Payload]; ok {
					close(g)
					delete(c.grants, m.Payload)
				}
				c.mu.Unlock()
			} else if m.Channel == c.pauseChannel() {
				c.pauseMessage(m.Payload)
			} else {
				c.verdictMessage(m.Payload)
			}
		}
	}
}

// pauseMessage takes a published pause, "account\nms", for an account
// this instance uses.
func (c *Client) pauseMessage(payload string) {
	name, d, ok := strings.Cut(payload, "\n")
	n, err := strconv.ParseInt(d, 10, 64)
	if !ok || err != nil {
		return
	}
	c.mu.Lock()
	a := c.accounts[name]
	c.mu.Unlock()
	if a != nil {
		a.pausedFor(time.Duration(n) * time.Millisecond)
	}
}

// call runs one bounded Redis call.
func (c *Client) call(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	return f(ctx)
}

// newID returns a lease id: this instance's id, a colon, a sequence number.
func (c *Client) newID() string {
	return c.instance + ":" + strconv.FormatUint(c.seq.Add(1), 36)
}

// key returns an account's key: the prefix, the account as hash tag, the name.
func (c *Client) keys(account string) []string {
	base := c.opts.Prefix + ":{" + account + "}:"
	names := []string{"leases", "queue", "qdl", "seq", "pause", "limit", "rel", "stale", "backoff", "rate", "outside", "epoch"}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = base + n
	}
	return keys
}

// window is how long after an outage the slots held outside Redis are
// counted: every instance on its fallback asks Redis again within it.
func (c *Client) window() time.Duration { return 2*c.opts.RetryEvery + 2*c.opts.Timeout }

func ms(d time.Duration) int64 { return max(1, d.Milliseconds()) }

var (
	errShape = errors.New("redis coordination: unexpected answer from a script")
	errDown  = errors.New("redis coordination: falling back")
)
