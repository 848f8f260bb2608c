package router_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
)

// memShared is router.Shared in memory: what several instances would see
// through Redis, for one process.
type memShared struct {
	mu     sync.Mutex
	open   map[string]time.Time
	opened int
}

func (m *memShared) Opened(carrier, endpoint string, until time.Time) {
	m.mu.Lock()
	m.open[carrier+"/"+endpoint] = until
	m.opened++
	m.mu.Unlock()
}

func (m *memShared) OpenUntil(carrier, endpoint string) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open[carrier+"/"+endpoint]
}

// TestSharedHealth: when one instance's breaker opens on an endpoint, an
// instance sharing its health skips the endpoint without sending, and its
// Health says the verdict is the fleet's; once the verdict expires it
// sends there again. Without Shared, Health names no source.
func TestSharedHealth(t *testing.T) {
	v := newTwilio(t, 2)
	shared := &memShared{open: map[string]time.Time{}}
	policy := router.Policy{Breaker: router.BreakerSettings{Failures: 2, CoolDown: time.Hour}}
	a, err := router.New(router.Options{Shared: shared}, v.carrier(t, "c", policy))
	require.NoError(t, err)
	obs := new(recorder)
	b, err := router.New(router.Options{Shared: shared, Observer: obs}, v.carrier(t, "c", policy))
	require.NoError(t, err)

	v.fake.Fail(vendorfake.Fault{Status: 500, Endpoint: 1, Times: 2})
	for range 2 {
		_, err := a.Client().Update(context.Background(), v.ref, mute)
		require.NoError(t, err, "failed over to endpoint 2")
	}
	require.Equal(t, router.StateOpen, health(a, "c")[0].State)
	assert.Equal(t, router.SourceInstance, health(a, "c")[0].Source)
	assert.Equal(t, 1, shared.opened)

	// Endpoint 1 is healthy again, but b follows the fleet's verdict.
	before := v.onEndpoint(1)
	for range 3 {
		_, err := b.Client().Update(context.Background(), v.ref, mute)
		require.NoError(t, err)
	}
	assert.Equal(t, before, v.onEndpoint(1), "nothing sent to the endpoint the fleet holds open")
	h := health(b, "c")
	assert.Equal(t, router.StateOpen, h[0].State)
	assert.Equal(t, router.SourceFleet, h[0].Source)
	assert.Equal(t, 3, h[0].Skipped)
	assert.Equal(t, router.SourceInstance, h[1].Source)
	assert.Equal(t, "ep1:skipped ep2:ok ep1:skipped ep2:ok ep1:skipped ep2:ok", obs.outcomes())

	// Lists follow it too.
	for _, err := range b.Client().List(context.Background(), v.ref.ConferenceRef(), participant.ListOptions{}) {
		require.NoError(t, err)
	}
	assert.Equal(t, before, v.onEndpoint(1))

	// The verdict expires: b sends to endpoint 1 again.
	shared.Opened("c", "ep1", time.Now().Add(-time.Second))
	_, err = b.Client().Update(context.Background(), v.ref, mute)
	require.NoError(t, err)
	assert.Equal(t, before+1, v.onEndpoint(1))
	assert.Equal(t, router.StateClosed, health(b, "c")[0].State)

	// One instance: no source.
	single := newRouter(t, nil, v.carrier(t, "c", policy))
	assert.Empty(t, health(single, "c")[0].Source)
}
