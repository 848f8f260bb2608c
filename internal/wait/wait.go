// Package wait holds the waits between retries that every retrying layer
// shares (the adapters' HTTP client, the router's passes over a carrier's
// endpoints): the backoff a retry policy gives, and a bounded wait that
// never runs past the context's deadline.
package wait

import (
	"context"
	"net/http"
	"time"

	"github.com/carrierkit/carrierkit/driver"
)

// Fits reports whether a wait of d ends before ctx's deadline (always,
// when ctx has none).
func Fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) >= d
}

// For waits d, or fails with ctx.Err() when ctx ends first. Judge the wait
// with Fits first: For does not look at the deadline.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is p's wait before retry number i (0-based) when the carrier
// named none: p.Backoff when set (given resp, which may be nil), else
// exponential from WaitMin, capped at WaitMax. p has its defaults applied.
func Backoff(p *driver.RetryPolicy, i int, resp *http.Response) time.Duration {
	if p.Backoff != nil {
		return p.Backoff(p.WaitMin, p.WaitMax, i, resp)
	}
	d := p.WaitMin << min(i, 30)
	if d <= 0 || d > p.WaitMax {
		d = p.WaitMax
	}
	return d
}
