package redis_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/coordination/redis"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/redistest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// needRedis and testPrefix: the machine's Redis, and a prefix of the test's own.
var (
	needRedis  = redistest.Need
	testPrefix = redistest.Prefix
)

// open returns a Client ("an instance") on addr, closed with the test.
func open(t testing.TB, addr string, opts redis.Options) *redis.Client {
	t.Helper()
	c, err := redis.Open("redis://"+addr, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// gauge counts requests in flight and the most at once.
type gauge struct{ in, peak atomic.Int64 }

func (g *gauge) enter() {
	in := g.in.Add(1)
	for p := g.peak.Load(); in > p && !g.peak.CompareAndSwap(p, in); p = g.peak.Load() {
	}
}
func (g *gauge) leave() { g.in.Add(-1) }

// TestSharedLimitAcrossInstances: three instances, each with its own
// Limiter of 5 and more workers than that, never hold more than 5 slots
// together; waiters are handed slots by releases.
func TestSharedLimitAcrossInstances(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	var g gauge
	var wg sync.WaitGroup
	for range 3 {
		c := open(t, addr, redis.Options{Prefix: prefix})
		lim := batch.NewSharedLimiter(5, c.Account("AC1"))
		for range 4 {
			wg.Go(func() {
				for range 25 {
					require.NoError(t, lim.Acquire(context.Background()))
					g.enter()
					time.Sleep(time.Millisecond)
					g.leave()
					lim.Release()
					lim.Observe(nil)
				}
			})
		}
	}
	wg.Wait()
	assert.LessOrEqual(t, g.peak.Load(), int64(5))
	assert.Greater(t, g.peak.Load(), int64(1), "it does run concurrently")
}

// roundTrips counts the requests sent (a pipeline is one; the
// subscription's own commands and a new connection's handshake are not
// counted), and the slowest (a handshake pipeline included, as before).
type roundTrips struct{ n, slowest atomic.Int64 }

// uncounted: the subscription's commands, and a new connection's
// handshake (go-redis sends its CLIENT SETINFO as a pipeline).
func uncounted(cmd goredis.Cmder) bool {
	switch cmd.Name() {
	case "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ping", "hello", "client", "auth", "select":
		return true
	}
	return false
}

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if uncounted(cmd) {
			return next(ctx, cmd)
		}
		start := time.Now()
		defer r.done(start)
		return next(ctx, cmd)
	}
}
func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		counted := slices.ContainsFunc(cmds, func(c goredis.Cmder) bool { return !uncounted(c) })
		start := time.Now()
		defer r.timed(start, counted)
		return next(ctx, cmds)
	}
}
func (r *roundTrips) done(start time.Time) { r.timed(start, true) }
func (r *roundTrips) timed(start time.Time, counted bool) {
	if counted {
		r.n.Add(1)
	}
	d := int64(time.Since(start))
	for s := r.slowest.Load(); d > s && !r.slowest.CompareAndSwap(s, d); s = r.slowest.Load() {
	}
}

// TestTwoRoundTripsPerSlot: an acquire and a release are one script each,
// also when the waiter is queued (the release hands it the slot and
// publishes, with no polling).
func TestTwoRoundTripsPerSlot(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	ctx := context.Background()
	// The warm-up loads the scripts into Redis, on an instance of its own
	// whose Close waits for its release: nothing of it is counted below.
	warm := redis.New(goredis.NewClient(&goredis.Options{Addr: addr}), redis.Options{Prefix: prefix})
	lease, err := warm.Account("AC2-warm").Acquire(ctx, 1, 0)
	require.NoError(t, err)
	warm.Account("AC2-warm").Release(lease, 0)
	require.NoError(t, warm.Close())

	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	var rt roundTrips
	rdb.AddHook(&rt)
	// A Redis call slower than the default bound (250ms, on a loaded
	// machine) would put the instance on its local fallback, which this
	// test does not mean to exercise.
	c := redis.New(rdb, redis.Options{Prefix: prefix, Timeout: 10 * time.Second})
	t.Cleanup(func() { _ = c.Close() })
	a := c.Account("AC2")
	first, err := a.Acquire(ctx, 1, 0)
	require.NoError(t, err)
	got := make(chan string)
	go func() {
		lease, err := a.Acquire(ctx, 1, 0) // queued behind first
		assert.NoError(t, err)
		got <- lease
	}()
	require.Eventually(t, func() bool { return rt.n.Load() >= 2 }, 5*time.Second, time.Millisecond)
	require.Equal(t, int64(2), rt.n.Load(), "the second is queued: one round trip each")
	a.Release(first, 1)
	second := <-got
	assert.Equal(t, first, second, "the lease is reused within the instance")
	a.Release(second, 1)
	require.NoError(t, c.Close()) // gives back the idle lease, waits for the background calls
	// acquire, queue, leave the queue, release; on a loaded machine an
	// idle lease may go back before it is reused (then its release hands
	// it over: one more each).
	assert.GreaterOrEqual(t, rt.n.Load(), int64(4))
	assert.LessOrEqual(t, rt.n.Load(), int64(7))
}

// TestLeaseReuse: a lease given back is reused by the instance's next
// request up to 4 times, with no round trip, then goes back to Redis.
func TestLeaseReuse(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	var rt roundTrips
	rdb.AddHook(&rt)
	c := redis.New(rdb, redis.Options{Prefix: prefix})
	lim := batch.NewSharedLimiter(3, c.Account("AC8"))
	for range 10 {
		require.NoError(t, lim.Acquire(context.Background()))
		lim.Release()
		lim.Observe(nil)
	}
	require.NoError(t, c.Close())
	// 10 requests, each lease serving 5: 2 leases, an acquire and a
	// release each. On a loaded machine a lease may sit idle past its 5ms
	// grace and go back early; without reuse it would be 20.
	assert.GreaterOrEqual(t, rt.n.Load(), int64(4))
	assert.LessOrEqual(t, rt.n.Load(), int64(10), "fewer than one round trip per request")
}

// TestRateLimitedPausesFleet: a 429 seen by one instance pauses every
// instance through the shared key, and halves the shared limit once for
// the whole burst.
func TestRateLimitedPausesFleet(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	a := batch.NewSharedLimiter(40, open(t, addr, redis.Options{Prefix: prefix}).Account("AC3"))
	b := batch.NewSharedLimiter(40, open(t, addr, redis.Options{Prefix: prefix}).Account("AC3"))
	for range 8 {
		require.NoError(t, a.Acquire(context.Background()))
	}
	for range 8 { // one burst: every request in flight answered 429
		a.Release()
		a.Observe(&participant.Error{Code: participant.CodeRateLimited, RetryAfter: time.Hour})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, b.Acquire(ctx), context.DeadlineExceeded, "the other instance holds back too")
	assert.Equal(t, 20, a.Limit(), "halved once for the burst")

	rdb := goredis.NewClient(&goredis.Options{Addr: addr})
	defer rdb.Close()
	pttl, err := rdb.PTTL(context.Background(), prefix+":{AC3}:pause").Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 29*time.Second, "Retry-After, capped at batch.MaxPause")
	require.NoError(t, rdb.Del(context.Background(), prefix+":{AC3}:pause").Err())
	require.NoError(t, b.Acquire(context.Background()), "the pause is over")
	assert.Equal(t, 20, b.Limit(), "the same adaptive limit")
	b.Release()
}

// TestRate: a per-period limit holds across instances (GCRA on the
// server's clock).
func TestRate(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	rate := &redis.Rate{Requests: 5, Period: 400 * time.Millisecond}
	a := open(t, addr, redis.Options{Prefix: prefix, Rate: rate}).Account("AC4")
	b := open(t, addr, redis.Options{Prefix: prefix, Rate: rate}).Account("AC4")
	start := time.Now()
	for i := range 10 {
		acct := a
		if i%2 == 1 {
			acct = b
		}
		lease, err := acct.Acquire(context.Background(), 50, 0)
		require.NoError(t, err)
		acct.Release(lease, 0)
	}
	// A burst of 5, then 5 more at one per 80ms: at least 400ms - one
	// emission. A lower bound only: nothing here can make it faster.
	assert.GreaterOrEqual(t, time.Since(start), 320*time.Millisecond)
}

// TestEndpointVerdict: one instance's "open until" reaches the others
// (published, and read back by the refresh), never itself.
func TestEndpointVerdict(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	a := open(t, addr, redis.Options{Prefix: prefix})
	b := open(t, addr, redis.Options{Prefix: prefix})
	late := open(t, addr, redis.Options{Prefix: prefix})
	assert.True(t, b.OpenUntil("c", "ep1").IsZero())
	until := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	a.Opened("c", "ep1", until)
	require.Eventually(t, func() bool { return b.OpenUntil("c", "ep1").Equal(until) }, 5*time.Second, 5*time.Millisecond)
	assert.True(t, a.OpenUntil("c", "ep1").IsZero(), "its own verdict is its breaker's")
	// An instance that asks after the message learns it from the key.
	late.OpenUntil("c", "ep1")
	require.Eventually(t, func() bool { return late.OpenUntil("c", "ep1").Equal(until) }, 5*time.Second, 5*time.Millisecond)
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// ownRedis starts a redis-server of the test's own on a free port, for
// the outage tests (never the machine's), and stops it with the test.
func ownRedis(t *testing.T) (addr string, proc *os.Process, restart func()) {
	t.Helper()
	needRedis(t) // the machine has Redis, so redis-server is installed
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server binary to start a second Redis")
	}
	port := freePort(t)
	addr = "127.0.0.1:" + strconv.Itoa(port)
	var cmd *exec.Cmd
	start := func() {
		cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", t.TempDir())
		require.NoError(t, cmd.Start())
		rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
		defer rdb.Close()
		require.Eventually(t, func() bool { return rdb.Ping(context.Background()).Err() == nil }, 5*time.Second, 10*time.Millisecond)
	}
	start()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	restart = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		start()
	}
	return addr, cmd.Process, restart
}

// events records coordination events.
type events struct {
	mu   sync.Mutex
	list []redis.Event
}

func (e *events) Coordination(ev redis.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}
func (e *events) fallbacks() (down, back int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.list {
		if ev.Fallback {
			down++
		} else {
			back++
		}
	}
	return down, back
}

// TestOutage: Redis stopped (SIGSTOP) in the middle of a batch of work.
// Every acquire and release stays within the bound, the instance falls
// back to Max/Instances with an event, the two instances together never
// exceed the limit, and once Redis answers again they are back on it.
func TestOutage(t *testing.T) {
	addr, proc, restart := ownRedis(t)
	// The bound is generous for a loaded machine: a call that times out
	// while Redis answers puts that instance alone on its fallback, which
	// this test does not mean to exercise.
	const limit, instances, bound = 6, 2, 400 * time.Millisecond
	var g gauge
	var ev events
	var slowest atomic.Int64
	var rt roundTrips
	opts := redis.Options{Instances: instances, Timeout: bound, RetryEvery: 200 * time.Millisecond, Observer: &ev}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range instances {
		c := open(t, addr, opts)
		c.Redis().AddHook(&rt)
		lim := batch.NewSharedLimiter(limit, c.Account("AC5"))
		for range 5 {
			wg.Go(func() {
				for ctx.Err() == nil {
					start := time.Now()
					if lim.Acquire(ctx) != nil {
						return
					}
					g.enter()
					time.Sleep(2 * time.Millisecond)
					g.leave()
					lim.Release()
					lim.Observe(nil)
					for d, s := int64(time.Since(start)-2*time.Millisecond), slowest.Load(); d > s && !slowest.CompareAndSwap(s, d); s = slowest.Load() {
					}
				}
			})
		}
	}
	phase := func(name string) {
		assert.LessOrEqual(t, g.peak.Swap(g.in.Load()), int64(limit), "%s: never more than the limit in flight", name)
	}
	time.Sleep(200 * time.Millisecond) // the work is under way on Redis
	phase("on Redis")
	require.NoError(t, proc.Signal(syscall.SIGSTOP))
	time.Sleep(1500 * time.Millisecond)
	phase("stalled")
	down, _ := ev.fallbacks()
	assert.Equal(t, instances, down, "each instance fell back once, with an event")
	require.NoError(t, proc.Signal(syscall.SIGCONT))
	require.Eventually(t, func() bool { _, back := ev.fallbacks(); return back == instances }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	phase("back after the stall")

	// Restarted (nothing kept): the instances carry on.
	restart()
	time.Sleep(500 * time.Millisecond)
	cancel()
	wg.Wait()
	phase("restarted")
	assert.Less(t, time.Duration(rt.slowest.Load()), bound+100*time.Millisecond, "no Redis call past the bound")
	t.Logf("slowest Redis call %v, slowest acquire+release %v (a queued waiter whose grant was lost with "+
		"the connection asks again within a second); events %v", time.Duration(rt.slowest.Load()),
		time.Duration(slowest.Load()), ev.list)
}

// TestFailClosed: with FailClosed, an unreachable Redis fails Acquire
// with ErrUnavailable within the bound; nothing may be sent.
func TestFailClosed(t *testing.T) {
	addr, proc, _ := ownRedis(t)
	c := open(t, addr, redis.Options{Fallback: redis.FailClosed, Timeout: 50 * time.Millisecond})
	lim := batch.NewSharedLimiter(4, c.Account("AC6"))
	require.NoError(t, lim.Acquire(context.Background()))
	lim.Release()
	time.Sleep(50 * time.Millisecond) // the lease is no longer kept for reuse (5ms): it is back in Redis
	require.NoError(t, proc.Signal(syscall.SIGSTOP))
	defer proc.Signal(syscall.SIGCONT)
	start := time.Now()
	err := lim.Acquire(context.Background())
	assert.ErrorIs(t, err, participant.ErrUnavailable)
	assert.Less(t, time.Since(start), time.Second)
	assert.Zero(t, lim.Limit())
}

const childEnv = "CARRIERKIT_REDIS_CRASH_CHILD"

// crashChild holds slots on the Redis and prefix its environment names
// until it is killed: the crash test's other instance.
func crashChild() {
	c, err := redis.Open("redis://"+os.Getenv(childEnv), redis.Options{Prefix: os.Getenv(childEnv + "_PREFIX"),
		Lease: 2 * time.Second})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	a := c.Account("AC7")
	for range 3 {
		if _, err := a.Acquire(context.Background(), 3, 0); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Println("holding")
	select {}
}

// TestCrashedInstanceSlotsComeBack: an instance killed with kill -9 while
// it holds every slot; its leases (2s) expire and the slots come back,
// within the lease time.
func TestCrashedInstanceSlotsComeBack(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	self, err := os.Executable()
	require.NoError(t, err)
	child := exec.Command(self, "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+addr, childEnv+"_PREFIX="+prefix)
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "holding\n", line)
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	killed := time.Now()

	a := open(t, addr, redis.Options{Prefix: prefix, Lease: 2 * time.Second}).Account("AC7")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 {
		_, err := a.Acquire(ctx, 3, 0)
		require.NoError(t, err, "the crashed instance's slots came back")
	}
	assert.Less(t, time.Since(killed), 2*time.Second+queueSlack, "within the lease time")
}

// queueSlack: a waiter asks again at most every second when a grant was
// missed (the crashed holder never releases, so its slots come back by
// expiry, noticed at the waiter's next ask).
const queueSlack = 1100 * time.Millisecond

// TestOutageMidBatch: a batch (batch.UpdateAll over the Twilio adapter,
// against the fake with a limit of 6 in flight) runs on two instances
// sharing the limit; Redis is stopped in the middle. Both batches finish
// through the fallback, every update applied, and the carrier never sees
// more than the limit in flight: the peak the fake counted.
func TestOutageMidBatch(t *testing.T) {
	addr, proc, _ := ownRedis(t)
	const limit = 6
	fake := twiliotest.New(twiliotest.Config{AccountSID: twiliotest.DemoAccount, AuthToken: "tok0123456789abcdef0123456789abcd"})
	fake.SetLoad(twiliotest.Load{MaxConcurrent: limit, Latency: 5 * time.Millisecond})
	var confs []participant.ConferenceRef
	for range 2 {
		conf := twiliotest.NewConferenceSID()
		confs = append(confs, participant.ConferenceRef{Conference: conf})
		for range 150 {
			fake.Seed(twiliotest.Participant{Account: twiliotest.DemoAccount, Conference: conf})
		}
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	u, err := twilio.New(twilio.Config{AccountSID: twiliotest.DemoAccount, AuthToken: "tok0123456789abcdef0123456789abcd",
		BaseURL: srv.URL, Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = u.Close() })
	var ev events
	opts := redis.Options{Instances: 2, Timeout: 400 * time.Millisecond, RetryEvery: 200 * time.Millisecond, Observer: &ev}
	var wg sync.WaitGroup
	for _, conf := range confs {
		lim := batch.NewSharedLimiter(limit, open(t, addr, opts).Account(twiliotest.DemoAccount))
		wg.Go(func() {
			rs, err := batch.UpdateAll(context.Background(), u, conf, participant.UpdateRequest{Muted: participant.Bool(true)},
				batch.Options{Limiter: lim})
			assert.NoError(t, err)
			assert.Len(t, rs, 150)
			assert.Empty(t, batch.Failed(rs), "every update applied")
		})
	}
	time.Sleep(40 * time.Millisecond) // the batches are under way on Redis
	require.NoError(t, proc.Signal(syscall.SIGSTOP))
	time.Sleep(900 * time.Millisecond)
	require.NoError(t, proc.Signal(syscall.SIGCONT))
	wg.Wait()
	down, _ := ev.fallbacks()
	assert.Positive(t, down, "the batches went on through the fallback")
	assert.Zero(t, fake.Throttled(), "the carrier never had more than its limit in flight")
}

// TestSharedHealthThroughRedis: two routers (two instances) share
// endpoint health through Redis. When a's breaker opens on endpoint 1, b
// skips endpoint 1 without sending, and b's Health says the verdict is the
// fleet's.
func TestSharedHealthThroughRedis(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	const token = "tok0123456789abcdef0123456789abcd"
	fake := twiliotest.New(twiliotest.Config{AccountSID: twiliotest.DemoAccount, AuthToken: token})
	ref := participant.Ref{Conference: twiliotest.NewConferenceSID(), Call: twiliotest.NewCallSID()}
	fake.Seed(twiliotest.Participant{Account: twiliotest.DemoAccount, Conference: ref.Conference, CallID: ref.Call})
	var roots []string
	for i := 1; i <= 2; i++ {
		srv := httptest.NewServer(vendorfake.ForEndpoint(fake, i))
		t.Cleanup(srv.Close)
		roots = append(roots, srv.URL)
	}
	newRouter := func(shared router.Shared) *router.Router {
		c := router.Carrier{Name: "tw", Policy: router.Policy{Breaker: router.BreakerSettings{Failures: 2, CoolDown: time.Minute}}}
		for i, root := range roots {
			u, err := twilio.New(twilio.Config{AccountSID: twiliotest.DemoAccount, AuthToken: token, BaseURL: root,
				Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
			require.NoError(t, err)
			t.Cleanup(func() { _ = u.Close() })
			c.Endpoints = append(c.Endpoints, router.Endpoint{Name: "ep" + strconv.Itoa(i+1), Driver: u})
		}
		r, err := router.New(router.Options{Shared: shared}, c)
		require.NoError(t, err)
		return r
	}
	a := newRouter(open(t, addr, redis.Options{Prefix: prefix}))
	bc := open(t, addr, redis.Options{Prefix: prefix})
	b := newRouter(bc)
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	_, err := b.Client().Update(context.Background(), ref, mute) // b asks about its endpoints: they are watched
	require.NoError(t, err)

	fake.Fail(vendorfake.Fault{Status: 500, Endpoint: 1, Times: 2})
	for range 2 {
		_, err := a.Client().Update(context.Background(), ref, mute)
		require.NoError(t, err, "failed over to endpoint 2")
	}
	require.Eventually(t, func() bool { return time.Now().Before(bc.OpenUntil("tw", "ep1")) }, 5*time.Second, 5*time.Millisecond)
	onEndpoint1 := func() int {
		n := 0
		for _, r := range fake.Requests() {
			if r.Endpoint == 1 {
				n++
			}
		}
		return n
	}
	before := onEndpoint1()
	_, err = b.Client().Update(context.Background(), ref, mute)
	require.NoError(t, err)
	assert.Equal(t, before, onEndpoint1(), "b sent nothing to the endpoint the fleet holds open")
	h := b.Health()[0].Endpoints[0]
	assert.Equal(t, router.StateOpen, h.State)
	assert.Equal(t, router.SourceFleet, h.Source)
	assert.Equal(t, router.SourceInstance, a.Health()[0].Endpoints[0].Source)
}

// TestFromConfig: a config file's coordination section opens the Redis its
// url_env names, with its settings (here a rate of 3 per 300ms).
func TestFromConfig(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	cfg, err := config.Load(strings.NewReader(`{"carriers": {"us": {"provider": "twilio",
		"account": "AC0123456789abcdef0123456789abcdef", "credentials": {"auth_token_env": "US_TWILIO_AUTH_TOKEN"}}},
		"coordination": {"redis": {"url_env": "CK_TEST_REDIS_URL", "prefix": "`+prefix+`",
		"rate": {"requests": 3, "period": "300ms"}}}}`), nil)
	require.NoError(t, err)
	_, err = redis.FromConfig(cfg.Coordination.Redis, redis.Options{})
	require.ErrorIs(t, err, participant.ErrInvalidArgument, "the variable is not set")
	t.Setenv("CK_TEST_REDIS_URL", "redis://"+addr)
	c, err := redis.FromConfig(cfg.Coordination.Redis, redis.Options{})
	require.NoError(t, err)
	defer c.Close()
	a := c.Account("AC9")
	start := time.Now()
	for range 6 {
		lease, err := a.Acquire(context.Background(), 10, 0)
		require.NoError(t, err)
		a.Release(lease, 0)
	}
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "3 at once, then one per 100ms")
}
