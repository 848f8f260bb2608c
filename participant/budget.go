package participant

import "context"

// budgetKey is the context key of a retry budget.
type budgetKey struct{}

// WithRetryBudget returns a copy of parent under which one logical call
// (an update, a fetch, a remove, or each page of a listing) is sent at most
// 1+retries times in all, across every layer that would retry it: a batch,
// a router, an adapter. A negative retries is 0: send once. A budget
// already in parent that is smaller wins, so a layer can only narrow what
// its caller allowed.
//
// Each carrierkit layer spends from the budget it is given and passes down
// only what is left: a router gives each endpoint attempt a budget of 0
// (the router itself fails over and retries), a batch gives each send what
// its RateLimitRetries leave. A layer's own retry settings apply within the
// budget, never beyond it.
func WithRetryBudget(parent context.Context, retries int) context.Context {
	retries = max(retries, 0)
	if r, ok := RetryBudget(parent); ok && r <= retries {
		return parent
	}
	return context.WithValue(parent, budgetKey{}, retries)
}

// rateLimitsKey is the context key of WithRateLimitsHandled.
type rateLimitsKey struct{}

// WithRateLimitsHandled returns a copy of parent under which a
// rate-limited answer (429) to an update's write is returned at once by
// every layer below instead of being waited out and sent again there: no
// adapter retries it in place and no router moves on to another endpoint
// of the same account (they share its limit). Reads the adapter makes on
// its own (a read-back after the update was applied) are still retried in
// place. The caller holds a limiter shared by many
// requests, so it hears of the 429, holds them all back, and sends again
// from the same retry budget. A batch sets it on its updates.
func WithRateLimitsHandled(parent context.Context) context.Context {
	if RateLimitsHandled(parent) {
		return parent
	}
	return context.WithValue(parent, rateLimitsKey{}, true)
}

// RateLimitsHandled reports whether a layer above handles rate-limited
// answers (WithRateLimitsHandled).
func RateLimitsHandled(ctx context.Context) bool {
	v, _ := ctx.Value(rateLimitsKey{}).(bool)
	return v
}

// RetryBudget returns the retries ctx still allows one call (see
// WithRetryBudget), and whether it carries a budget at all; without one,
// each layer's own retry settings apply.
func RetryBudget(ctx context.Context) (retries int, ok bool) {
	retries, ok = ctx.Value(budgetKey{}).(int)
	return retries, ok
}
