// Package redistest gives tests the machine's Redis (127.0.0.1:6379, the
// one the project's machines and CI run) and a key prefix of their own.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Addr is the machine's Redis.
const Addr = "127.0.0.1:6379"

// Need returns Addr when a Redis answers there. Otherwise it skips the
// test with one line naming the missing server, or, under CI (CI=true),
// fails it.
func Need(t testing.TB) string {
	t.Helper()
	rdb := goredis.NewClient(&goredis.Options{Addr: Addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Redis answers at %s (CI needs it: .ci/run starts it): %v", Addr, err)
		}
		t.Skipf("no Redis server at %s: skipped (%v)", Addr, err)
	}
	return Addr
}

// Prefix returns a key prefix of the test's own and deletes its keys when
// the test ends.
func Prefix(t testing.TB, addr string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "cktest:" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
		defer rdb.Close()
		ctx := context.Background()
		for it := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator(); it.Next(ctx); {
			rdb.Del(ctx, it.Val())
		}
	})
	return prefix
}
