package batch_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/participant"
)

// TestLimiterBurstIsOneRound: a burst of 429s from every request in flight
// halves the limit once and pauses for MinPause, not once per answer (the
// old limiter doubled its pause with each answer: 100 answers reached the
// 30 s cap).
func TestLimiterBurstIsOneRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := batch.NewLimiter(100)
		for range 100 {
			require.NoError(t, lim.Acquire(context.Background()))
		}
		start := time.Now()
		for range 100 {
			lim.Release()
			assert.True(t, lim.Observe(rateLimited(0)))
		}
		assert.Equal(t, 50, lim.Limit(), "one halving")
		assert.Equal(t, 100, lim.Max())
		require.NoError(t, lim.Acquire(context.Background()))
		assert.Equal(t, batch.MinPause, time.Since(start), "one short pause")
		lim.Release()

		// The next round (a request sent after the cut) halves again and
		// doubles the backoff; a success ends the doubling.
		require.NoError(t, lim.Acquire(context.Background()))
		lim.Release()
		start = time.Now()
		lim.Observe(rateLimited(0))
		assert.Equal(t, 25, lim.Limit())
		require.NoError(t, lim.Acquire(context.Background()))
		assert.Equal(t, 2*batch.MinPause, time.Since(start))
		lim.Release()
		lim.Observe(nil)
		require.NoError(t, lim.Acquire(context.Background()))
		lim.Release()
		start = time.Now()
		lim.Observe(rateLimited(0))
		require.NoError(t, lim.Acquire(context.Background()))
		assert.Equal(t, batch.MinPause, time.Since(start), "backoff starts over after a success")
		lim.Release()
	})
}

// TestLimiterAdditiveIncrease: each success raises the limit by 1/limit,
// so by one per round of limit successes, up to the maximum.
func TestLimiterAdditiveIncrease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := batch.NewLimiter(12)
		lim.Observe(rateLimited(time.Millisecond))
		require.Equal(t, 6, lim.Limit())
		for range 7 { // 6 + 1/6 + 1/6.17 + … passes 7 at the seventh
			lim.Observe(nil)
		}
		assert.Equal(t, 7, lim.Limit())
		for range 1000 {
			lim.Observe(nil)
		}
		assert.Equal(t, 12, lim.Limit(), "never above the maximum")
	})
}

// TestLimiterHoldsCurrentLimit: Acquire admits no more than the current
// (cut) limit, and waiters are let in as it grows again.
func TestLimiterHoldsCurrentLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim := batch.NewLimiter(4)
		lim.Observe(rateLimited(time.Millisecond)) // limit 2, paused 1 ms
		time.Sleep(time.Millisecond)
		require.NoError(t, lim.Acquire(context.Background()))
		require.NoError(t, lim.Acquire(context.Background()))
		got := make(chan struct{})
		go func() {
			assert.NoError(t, lim.Acquire(context.Background()))
			close(got)
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("a third request started under a limit of 2")
		default:
		}
		lim.Observe(nil) // 2.5
		lim.Observe(nil) // 2.9
		lim.Observe(nil) // 3.24: a third slot
		synctest.Wait()
		<-got
		assert.Equal(t, 3, lim.Limit())
		for range 3 {
			lim.Release()
		}
	})
}

// loadedCarrier answers like the emulator under load: past limit requests
// in flight a 429 at once (no Retry-After, as Twilio), else after latency.
type loadedCarrier struct {
	*carrier
	limit   int
	latency time.Duration

	mu        sync.Mutex
	in, peak  int
	throttled int
}

func (c *loadedCarrier) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	c.mu.Lock()
	if c.in >= c.limit {
		c.throttled++
		c.mu.Unlock()
		return nil, rateLimited(0)
	}
	c.in++
	c.peak = max(c.peak, c.in)
	c.mu.Unlock()
	time.Sleep(c.latency)
	c.mu.Lock()
	c.in--
	c.mu.Unlock()
	return &participant.Participant{CallID: ref.Call}, nil
}

// TestLimiterSettles: a batch asking for 100 in flight of a carrier that
// takes 20 settles near 20, with no 429 surfaced and no long stall: the
// whole flow (batch over the limiter over the carrier) on the bubble's
// clock. The time bound is exact (fake time), not a margin.
func TestLimiterSettles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		run := func(concurrency int) (time.Duration, *loadedCarrier, []batch.Result) {
			c := &loadedCarrier{carrier: newCarrier(300, true), limit: 20, latency: 20 * time.Millisecond}
			c.pageSize = 1000
			start := time.Now()
			rs, err := batch.UpdateAll(context.Background(), carrierkit.New(c), conf, mute, batch.Options{Concurrency: concurrency})
			require.NoError(t, err)
			return time.Since(start), c, rs
		}
		at20, c20, _ := run(20)
		at100, c100, rs := run(100)
		assert.Zero(t, c20.throttled)
		assert.Empty(t, batch.Failed(rs), "no 429 surfaced")
		assert.LessOrEqual(t, c100.peak, 20)
		assert.Less(t, float64(at100), 1.5*float64(at20), "%v at 100 vs %v at 20; %d 429s answered", at100, at20, c100.throttled)
		t.Logf("300 updates: %v at concurrency 20, %v at 100 (%.2fx), %d 429s answered", at20, at100,
			float64(at100)/float64(at20), c100.throttled)
	})
}
