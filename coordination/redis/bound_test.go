package redis_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/coordination/redis"
	"github.com/carrierkit/carrierkit/participant"
)

// TestNewHonoursTimeout: a caller's own go-redis client (default
// options: 3s read timeout, context deadlines ignored) is still bounded by
// Options.Timeout once given to New.
func TestNewHonoursTimeout(t *testing.T) {
	addr, proc, _ := ownRedis(t)
	c := redis.New(goredis.NewClient(&goredis.Options{Addr: addr}), redis.Options{Fallback: redis.FailClosed, Timeout: 50 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	lim := batch.NewSharedLimiter(4, c.Account("AC9"))
	require.NoError(t, lim.Acquire(context.Background()))
	lim.Release()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, proc.Signal(syscall.SIGSTOP))
	defer proc.Signal(syscall.SIGCONT)
	start := time.Now()
	err := lim.Acquire(context.Background())
	assert.ErrorIs(t, err, participant.ErrUnavailable)
	assert.Less(t, time.Since(start), time.Second, "bounded by Options.Timeout, not the client's 3s read timeout")
}
