package redis

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/carrierkit/carrierkit/providers/router"
)

var _ router.Shared = (*Client)(nil)

// healthRefresh is how often the verdicts of the endpoints asked about are
// read again, in case a message was missed (a reconnect, a restart).
const healthRefresh = 500 * time.Millisecond

// healthCache holds the fleet's verdicts as this instance last learnt them.
type healthCache struct {
	mu   sync.RWMutex
	open map[string]time.Time // "carrier\nendpoint" -> open until
	// asked are the endpoints the router asked about: the ones refreshed.
	asked map[string]bool
}

func (h *healthCache) init() {
	h.open, h.asked = map[string]time.Time{}, map[string]bool{}
}

// endpointKey is the key of an endpoint's verdict, hash-tagged by carrier.
func (c *Client) endpointKey(name string) string {
	carrier, endpoint, _ := strings.Cut(name, "\n")
	return c.opts.Prefix + ":{" + carrier + "}:open:" + endpoint
}

// Opened sets the endpoint's shared verdict until until (a key that
// expires then) and publishes it, in the background and bounded by
// Options.Timeout: it never blocks the request path. A Redis that does not
// answer loses the verdict; every instance's own breaker still works.
func (c *Client) Opened(carrier, endpoint string, until time.Time) {
	name := carrier + "\n" + endpoint
	ttl := time.Until(until)
	if ttl <= 0 {
		return
	}
	value := strconv.FormatInt(until.UnixMilli(), 10) + " " + c.instance
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_ = c.call(context.Background(), func(ctx context.Context) error {
			pipe := c.rdb.TxPipeline()
			pipe.Set(ctx, c.endpointKey(name), value, ttl)
			pipe.Publish(ctx, c.healthChannel(), name+"\n"+value)
			_, err := pipe.Exec(ctx)
			return err
		})
	}()
}

// OpenUntil returns until when another instance holds the endpoint open,
// from memory (messages and a refresh every 500ms). An instance's own
// verdicts are left out: its own breaker holds them, and must be free to
// probe when its cool-down ends.
func (c *Client) OpenUntil(carrier, endpoint string) time.Time {
	name := carrier + "\n" + endpoint
	h := &c.health
	h.mu.RLock()
	until, asked := h.open[name], h.asked[name]
	h.mu.RUnlock()
	if !asked {
		h.mu.Lock()
		h.asked[name] = true
		h.mu.Unlock()
	}
	return until
}

// verdictMessage takes a published verdict: "carrier\nendpoint\nuntil instance".
func (c *Client) verdictMessage(payload string) {
	i := strings.LastIndexByte(payload, '\n')
	if i < 0 {
		return
	}
	c.setVerdict(payload[:i], payload[i+1:])
}

// set records a verdict value ("until-ms instance") for name, unless it is
// this instance's own.
func (c *Client) setVerdict(name, value string) {
	ms, inst, _ := strings.Cut(value, " ")
	n, err := strconv.ParseInt(ms, 10, 64)
	h := &c.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || inst == c.instance {
		delete(h.open, name)
		return
	}
	h.open[name] = time.UnixMilli(n)
}

// refreshHealth reads the verdicts of the endpoints asked about again
// every healthRefresh: a key gone (expired, or Redis restarted) clears
// the verdict.
func (c *Client) refreshHealth() {
	t := time.NewTicker(healthRefresh)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		h := &c.health
		h.mu.RLock()
		names := make([]string, 0, len(h.asked))
		for n := range h.asked {
			names = append(names, n)
		}
		h.mu.RUnlock()
		for _, name := range names { // one GET each: the keys of several carriers are in different slots
			var v string
			err := c.call(context.Background(), func(ctx context.Context) (err error) {
				v, err = c.rdb.Get(ctx, c.endpointKey(name)).Result()
				return err
			})
			if err != nil && !isNil(err) {
				continue // unknown: keep what is known; it expires by its time
			}
			c.setVerdict(name, v)
		}
	}
}

func isNil(err error) bool { return err == goredis.Nil }
