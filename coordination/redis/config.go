package redis

import (
	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/providers/config"
)

// FromConfig opens the Redis a config file's "coordination.redis" section
// names, reading its URL from the environment variable url_env names.
// The section's fields override opts' (Logger and Observer stay opts').
func FromConfig(c *config.Redis, opts Options) (*Client, error) {
	url, err := c.URL()
	if err != nil {
		return nil, err
	}
	if c.Prefix != "" {
		opts.Prefix = c.Prefix
	}
	if c.Instances > 0 {
		opts.Instances = c.Instances
	}
	if c.FailClosed {
		opts.Fallback = FailClosed
	}
	if c.Timeout > 0 {
		opts.Timeout = c.Timeout
	}
	if c.Lease > 0 {
		opts.Lease = c.Lease
	}
	if r := c.Rate; r != nil {
		opts.Rate = &Rate{Requests: r.Requests, Period: r.Period, Burst: r.Burst}
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return Open(url, opts)
}
