package config

import (
	"encoding/json"
	"os"
	"strings"
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

// coordination reads the "coordination" section.
func (ps *problems) coordination(raw json.RawMessage) *Coordination {
	c := &Coordination{}
	ps.section("coordination", raw, func(k, p string, v json.RawMessage) {
		if k != "redis" {
			ps.fail(p, "unknown key (accepted: redis)")
			return
		}
		r := &Redis{}
		ps.section(p, v, func(k, p string, v json.RawMessage) {
			switch k {
			case "url_env":
				if s, ok := ps.str(p, v); ok && s == "" {
					ps.fail(p, "must name an environment variable")
				} else {
					r.URLEnv = s
				}
			case "url":
				ps.fail(p, "the URL may hold a password: put it in an environment variable and name it in url_env")
			case "prefix":
				r.Prefix, _ = ps.str(p, v)
			case "instances":
				r.Instances = ps.positive(p, v)
			case "fallback":
				switch s, _ := ps.str(p, v); s {
				case "local":
				case "fail_closed":
					r.FailClosed = true
				default:
					ps.fail(p, `must be "local" or "fail_closed"`)
				}
			case "timeout":
				r.Timeout = ps.duration(p, v)
			case "lease":
				r.Lease = ps.duration(p, v)
			case "rate":
				r.Rate = &Rate{}
				ps.section(p, v, func(k, p string, v json.RawMessage) {
					switch k {
					case "requests":
						r.Rate.Requests = ps.positive(p, v)
					case "burst":
						r.Rate.Burst = ps.positive(p, v)
					case "period":
						r.Rate.Period = ps.duration(p, v)
					default:
						ps.fail(p, "unknown key (accepted: burst, period, requests)")
					}
				})
				if r.Rate.Requests == 0 && !ps.failedAt(p+".requests") {
					ps.fail(p+".requests", "is required: how many requests per period")
				}
				if r.Rate.Period == 0 && !ps.failedAt(p+".period") {
					ps.fail(p+".period", "is required: a duration such as \"1s\"")
				}
			default:
				ps.fail(p, "unknown key (accepted: "+strings.Join([]string{"fallback", "instances", "lease", "prefix", "rate", "timeout", "url_env"}, ", ")+")")
			}
		})
		if _, ok := ps.object(p, v); ok && r.URLEnv == "" && !ps.failedAt(p+".url_env") {
			ps.fail(p+".url_env", "is required: the environment variable holding the redis:// URL")
		}
		c.Redis = r
	})
	return c
}

// failedAt reports whether a problem was already recorded at path.
func (ps *problems) failedAt(path string) bool {
	for _, p := range ps.list {
		if p.Field == path {
			return true
		}
	}
	return false
}
