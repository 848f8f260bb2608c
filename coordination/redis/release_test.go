package redis_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/coordination/redis"
)

// failScripts fails the next script call (EVALSHA or EVAL) while armed,
// as a Redis that timed out would.
type failScripts struct{ armed atomic.Bool }

func (f *failScripts) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (f *failScripts) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if n := cmd.Name(); (n == "evalsha" || n == "eval") && f.armed.CompareAndSwap(true, false) {
			cmd.SetErr(errInjected)
			return errInjected
		}
		return next(ctx, cmd)
	}
}
func (f *failScripts) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

var errInjected = errors.New("injected: redis did not answer")

// backOnFallback, on the first fallback event, asks Redis again at once
// (RetryEvery is 1ns), which succeeds and ends the fallback: the fallback's
// Observer event comes between the account going down and the caller
// returning, so this is a back() racing the failed call's own bookkeeping.
type backOnFallback struct {
	a    atomic.Pointer[redis.Account]
	done chan struct{}
	once atomic.Bool
}

func (b *backOnFallback) Coordination(ev redis.Event) {
	if !ev.Fallback || !b.once.CompareAndSwap(false, true) {
		return
	}
	defer close(b.done)
	a := b.a.Load()
	lease, err := a.Acquire(context.Background(), 2, 0) // on Redis again: back()
	if err != nil {
		return
	}
	a.Release(lease, 0)
}

// TestFailedReleaseIsReleasedWhenBack: a release whose Redis call fails is
// kept to be given back once Redis answers again, also when Redis answers
// again (another call's back()) before the failed release has finished
// its bookkeeping: no lease is left held in Redis until its TTL.
func TestFailedReleaseIsReleasedWhenBack(t *testing.T) {
	addr := needRedis(t)
	prefix := testPrefix(t, addr)
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	var fs failScripts
	rdb.AddHook(&fs)
	obs := &backOnFallback{done: make(chan struct{})}
	c := redis.New(rdb, redis.Options{Prefix: prefix, RetryEvery: time.Nanosecond, Observer: obs})
	t.Cleanup(func() { _ = c.Close() })
	a := c.Account("AC9")
	obs.a.Store(a)
	ctx := context.Background()

	lease, err := a.Acquire(ctx, 2, 0)
	require.NoError(t, err)
	fs.armed.Store(true) // the release's script call fails
	a.Release(lease, 0)  // kept idle 5ms, then given back to Redis: fails
	select {
	case <-obs.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the failed release put the account on its fallback with no event")
	}
	require.False(t, fs.armed.Load(), "the injected failure was used")
	require.NoError(t, c.Close()) // waits for the releases under way

	check := goredis.NewClient(&goredis.Options{Addr: addr})
	defer check.Close()
	held, err := check.ZCard(ctx, prefix+":{AC9}:leases").Result()
	require.NoError(t, err)
	assert.Zero(t, held, "every lease was given back to Redis")
}
