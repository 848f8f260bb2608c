package config

import (
	"os"
	"time"

	"github.com/carrierkit/carrierkit/participant"
)

// Coordination is the file's "coordination" section: how the instances of
// an app share each carrier account's limits and endpoint health.
//
//	"coordination": {"redis": {"url_env": "CARRIERKIT_REDIS_URL", "instances": 4,
//	                           "fallback": "local", "timeout": "250ms", "lease": "60s", "prefix": "carrierkit",
//	                           "rate": {"requests": 15, "period": "1s"}}}
//
// Only url_env is required. The URL may hold a password, so it is read
// from the environment variable url_env names, never from the file. This
// package only reads the section; package coordination/redis opens it
// (redis.FromConfig), so a program that does not import that package does
// not link Redis.
type Coordination struct {
	Redis *Redis
}

// Redis is the "coordination.redis" section. Zero fields take the
// defaults of package coordination/redis.
type Redis struct {
	// URLEnv names the environment variable holding the redis:// URL.
	URLEnv string
	// Prefix starts every key.
	Prefix string
	// Instances is how many instances share each account (the fallback's
	// limit is the limit divided by it).
	Instances int
	// FailClosed: while Redis cannot be reached, send nothing ("fallback":
	// "fail_closed"); else ("local", the default) limit each instance
	// locally.
	FailClosed bool
	// Timeout bounds each Redis call; Lease bounds how long a slot is held.
	Timeout, Lease time.Duration
	// Rate is "rate": {"requests": 15, "period": "1s", "burst": 15}, a
	// limit per period on top of the concurrency, for carriers that state
	// one; nil when absent.
	Rate *Rate
}

// Rate is a limit of Requests per Period, in bursts of up to Burst (0:
// Requests).
type Rate struct {
	Requests, Burst int
	Period          time.Duration
}

// URL reads the Redis URL from the environment. Its error names the JSON
// path and the variable, never the value.
func (r *Redis) URL() (string, error) {
	if v := os.Getenv(r.URLEnv); v != "" {
		return v, nil
	}
	return "", &Error{Problems: []*participant.Error{{Code: participant.CodeInvalidArgument, Op: "config",
		Field: "coordination.redis.url_env", Message: "environment variable " + r.URLEnv + " is not set"}}}
}

// redisSection is the "redis" section as the schema lets it be.
type redisSection struct {
	URLEnv    string  `json:"url_env"`
	Prefix    string  `json:"prefix"`
	Instances int     `json:"instances"`
	Fallback  string  `json:"fallback"`
	Timeout   *string `json:"timeout"`
	Lease     *string `json:"lease"`
	Rate      *struct {
		Requests int     `json:"requests"`
		Burst    int     `json:"burst"`
		Period   *string `json:"period"`
	} `json:"rate"`
}

// read returns the section's settings, its durations parsed.
func (r *redisSection) read(ps *problems) *Redis {
	if r == nil {
		return nil
	}
	const p = "coordination.redis"
	out := &Redis{URLEnv: r.URLEnv, Prefix: r.Prefix, Instances: r.Instances, FailClosed: r.Fallback == "fail_closed",
		Timeout: ps.positive(p+".timeout", r.Timeout), Lease: ps.positive(p+".lease", r.Lease)}
	if r.Rate != nil {
		out.Rate = &Rate{Requests: r.Rate.Requests, Burst: r.Rate.Burst, Period: ps.positive(p+".rate.period", r.Rate.Period)}
	}
	return out
}
