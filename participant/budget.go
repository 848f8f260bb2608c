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

// RetryBudget returns the retries ctx still allows one call (see
// WithRetryBudget), and whether it carries a budget at all; without one,
// each layer's own retry settings apply.
func RetryBudget(ctx context.Context) (retries int, ok bool) {
	retries, ok = ctx.Value(budgetKey{}).(int)
	return retries, ok
}
