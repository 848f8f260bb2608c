// Package batch updates many participants of a conference at once, within
// the carrier account's limits: "mute everyone but the moderator", "unhold
// all".
//
// UpdateAll lists the conference through a Client (a *carrierkit.Client:
// an adapter's, or a router's), keeps the participants its options select, and
// updates them with bounded concurrency, streaming: updates start while
// later pages are still being fetched, and no page is kept. The
// concurrency is a Limiter's, shared per carrier account: a
// rate-limited answer (HTTP 429: Twilio 20429, Telnyx 10011) holds back
// every request of the limiter for the carrier's Retry-After, then the
// refused update is sent again, as a 429 means the carrier did not act on
// it (participant.Error.Delivery says so; an update that went through and
// whose read-back was refused is DeliveryApplied and is not sent again;
// fields a several-call update applied are left out, Error.Applied). No
// other failure is retried here: the layers below apply their own rules,
// so an announcement (AnnounceURL) is never sent twice after an ambiguous
// failure. One retry budget (Options.RateLimitRetries) bounds every
// request made for one participant's update, the retries of a router or
// an adapter below included.
//
// It works through the portable client, so it works with every adapter,
// with a router over several carriers (it validates against the carrier
// that owns the conference), and with anything that wraps one.
package batch

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/participant"
)

// DefaultRateLimitRetries is the retry budget of one participant's update
// (at most 1+DefaultRateLimitRetries requests in all, across the batch and
// the layers below it), unless Options says otherwise.
const DefaultRateLimitRetries = 5

// DefaultPageSize is the page size a batch lists with unless Options.List
// sets one (Twilio's maximum).
const DefaultPageSize = 1000

// maxRunAhead bounds how many listed participants wait for a worker.
const maxRunAhead = 1000

// Client is what a batch works through: a *carrierkit.Client, or a
// decorator of one (counting, logging). The batch checks req against
// CapabilitiesFor the conference before anything is sent, and relies on
// the client to refuse, with ErrUnsupported and nothing sent, a fetch or a
// listing the carrier cannot do.
type Client interface {
	CapabilitiesFor(ref participant.Ref) (participant.Capabilities, error)
	Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error)
	Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error)
	List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error]
}

var _ Client = (*carrierkit.Client)(nil)

// job is one selected participant and its index in listing order.
type job struct {
	i int
	p *participant.Participant
}

// ErrNotAttempted is in the chain of the error of a participant whose
// update was never sent because the batch was canceled (with
// participant.ErrCanceled).
var ErrNotAttempted = errors.New("not attempted")

// Filter reports whether a listed participant is to be updated.
type Filter func(*participant.Participant) bool

// NotMuted selects the participants not muted yet.
func NotMuted() Filter { return func(p *participant.Participant) bool { return !p.Muted } }

// Muted selects the muted participants.
func Muted() Filter { return func(p *participant.Participant) bool { return p.Muted } }

// OnHold selects the participants on hold.
func OnHold() Filter { return func(p *participant.Participant) bool { return p.Hold } }

// And selects the participants every filter selects.
func And(filters ...Filter) Filter {
	return func(p *participant.Participant) bool {
		for _, f := range filters {
			if f != nil && !f(p) {
				return false
			}
		}
		return true
	}
}

// Options select the participants and bound the work.
type Options struct {
	// Except leaves out these participants, each a call id or a label.
	// Each is first looked up: fetched where the carrier can fetch (a label
	// resolves to its call id, for carriers whose list does not report
	// labels), else matched against a listing of the conference. A name
	// that matches no participant fails the batch with ErrInvalidArgument,
	// naming each such name, before any update is sent: a typo must not
	// reach the participant it was meant to spare.
	Except []string
	// AllowMissingExcept lets an Except name that matches no participant
	// leave no one out instead of failing the batch.
	AllowMissingExcept bool
	// Filter, when set, must also select a participant.
	Filter Filter
	// List narrows and pages the listing (server-side filters where the
	// carrier has them). A zero PageSize asks for DefaultPageSize: few,
	// large pages leave the limiter's slots to the updates (an adapter asks
	// for no more than its carrier's maximum).
	List participant.ListOptions
	// Limiter bounds the requests in flight, list pages included. Share
	// one per carrier account. Nil: a new Limiter of Concurrency.
	Limiter *Limiter
	// Concurrency is the limit of the Limiter made when Limiter is nil.
	Concurrency int
	// RateLimitRetries is the retry budget of one update: it is sent at
	// most 1+RateLimitRetries times in all, counting the retries of the
	// layers below (a router's passes, an adapter's retries), which spend
	// from the same budget (participant.WithRetryBudget). The batch itself
	// sends an update again only after a rate-limited answer. It is also
	// how often one Except lookup is sent again after rate-limited answers.
	// 0: DefaultRateLimitRetries; negative: no retries.
	RateLimitRetries int
}

// Result is the outcome for one selected participant.
type Result struct {
	// Call is the participant's call id, Label its label if listed.
	Call, Label string
	// Participant is the participant as the carrier reports it after the
	// update; nil when Err is set.
	Participant *participant.Participant
	// Err is the update's error (a *participant.Error). A participant never
	// attempted because the batch was canceled has ErrCanceled and
	// ErrNotAttempted in its chain; one rate-limited and canceled before
	// it could be sent again has the carrier's ErrRateLimited.
	Err error
	// RateLimited counts the times the batch sent the update again after a
	// rate-limited answer (the retries of the layers below are not counted
	// here).
	RateLimited int
}

// UpdateAll applies req to every participant of conf that opts select and
// returns one Result per selected participant, in listing order. The error
// is non-nil when the batch could not finish: the listing failed, or ctx
// ended (then the results hold what was done, and the participants listed
// but not yet sent say ErrNotAttempted). Failed updates do not make the
// error non-nil: see each Result, or Failed.
//
// An invalid req, or one the carrier that owns conf cannot carry, fails
// before anything is sent, as for one participant. Canceling ctx stops at
// once: no further page is fetched and no further update sent; the updates
// in flight end with the context.
func UpdateAll(ctx context.Context, u Client, conf participant.ConferenceRef,
	req participant.UpdateRequest, opts Options) ([]Result, error) {
	var results []Result
	err := Each(ctx, u, conf, req, opts, func(i int, r Result) {
		if i >= len(results) {
			results = slices.Grow(results, i+1-len(results))[:i+1]
		}
		results[i] = r
	})
	return results, err
}

// Failed returns the results that carry an error.
func Failed(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}

// Each is UpdateAll without collecting: it calls fn with each result and
// its index in listing order, from one goroutine at a time, as the results
// come. Its memory does not grow with the conference. A panic in fn, in
// a Filter or in the Client stops the batch and reaches the caller once
// every goroutine of the batch has ended and every limiter slot is back.
func Each(ctx context.Context, u Client, conf participant.ConferenceRef,
	req participant.UpdateRequest, opts Options, fn func(i int, r Result)) error {
	// The owning carrier's capabilities (a router's carriers differ): a
	// request it cannot carry fails here, before the listing is sent.
	caps, err := u.CapabilitiesFor(conf.Participant(""))
	if err != nil {
		return err
	}
	if err := participant.Validate(&req, caps); err != nil {
		return err
	}
	if !caps.Can(participant.OpList) {
		for _, err := range u.List(ctx, conf, opts.List) {
			return err // the client's ErrUnsupported, nothing sent
		}
	}
	lim := opts.Limiter
	if lim == nil {
		lim = NewLimiter(opts.Concurrency)
	}
	if opts.List.PageSize == 0 {
		opts.List.PageSize = DefaultPageSize
	}
	retries := opts.RateLimitRetries
	if retries == 0 {
		retries = DefaultRateLimitRetries
	}
	except, err := resolve(ctx, u, caps, conf, opts, lim, retries)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One retry budget per update (1+retries requests in all); every first
	// send runs under the same context.
	budget := 1 + max(retries, 0)
	if b, ok := participant.RetryBudget(ctx); ok {
		budget = min(budget, 1+b)
	}
	// Updates leave their 429s to the batch (participant.WithRateLimitsHandled):
	// an adapter that waited one out in place would hide it from the shared
	// limiter, which could then not adapt.
	sends := participant.WithRateLimitsHandled(ctx)
	first := participant.WithRetryBudget(sends, budget-1)
	type done struct {
		i int
		r Result
	}
	// A panic in a Filter, the listing or the Client stops the batch and
	// is raised again in the caller's goroutine once every goroutine of
	// the batch has ended.
	var (
		panicMu  sync.Mutex
		panicked bool
		panicVal any
	)
	recovered := func(v any) {
		panicMu.Lock()
		if !panicked {
			panicked, panicVal = true, v
		}
		panicMu.Unlock()
		cancel()
	}
	// The listing runs ahead of the workers by up to a page (bounded, so
	// memory does not grow with the conference).
	jobs := make(chan job, min(max(opts.List.PageSize, lim.Max()), maxRunAhead))
	out := make(chan done, lim.Max())
	var workers sync.WaitGroup
	for range lim.Max() {
		workers.Go(func() {
			for j := range jobs {
				out <- done{j.i, guarded(j.p, recovered, func() Result {
					return update(ctx, sends, first, u, conf, j.p, req, lim, budget)
				})}
			}
		})
	}
	var listErr error
	go func() {
		defer close(jobs)
		defer func() {
			if v := recover(); v != nil {
				recovered(v)
				listErr = context.Canceled
			}
		}()
		listErr = produce(ctx, u, conf, opts, except, lim, jobs, func(j job) {
			out <- done{j.i, notAttempted(j.p, ctx.Err())}
		})
	}()
	go func() { workers.Wait(); close(out) }()
	// Should fn panic, the batch is canceled and drained before the panic
	// goes on, so no goroutine is left blocked on out.
	defer func() {
		cancel()
		for range out {
		}
	}()
	for d := range out {
		fn(d.i, d.r)
	}
	// out is closed: the producer and the workers are done.
	if panicked {
		panic(panicVal)
	}
	if listErr != nil {
		return listErr
	}
	return context.Cause(ctx)
}

// guarded runs f; should it panic, it hands the value to recovered and
// reports p as not attempted.
func guarded(p *participant.Participant, recovered func(any), f func() Result) (r Result) {
	defer func() {
		if v := recover(); v != nil {
			recovered(v)
			r = notAttempted(p, context.Canceled)
		}
	}()
	return f()
}

// produce lists conf and hands each selected participant to send. Every
// pull of the listing may fetch a page, so the producer holds one limiter
// slot while it pulls; it gives the slot back only when it must wait for
// the workers (send would block), so in-memory items of a page cost no
// slot wait and the listing runs ahead of the workers by up to the job
// queue's length.
func produce(ctx context.Context, u Client, conf participant.ConferenceRef, opts Options,
	except map[string]bool, lim *Limiter, jobs chan<- job, skip func(job)) error {
	next, stop := iter.Pull2(u.List(ctx, conf, opts.List))
	defer stop()
	held := false
	defer func() {
		if held {
			lim.Release()
		}
	}()
	for i := 0; ; {
		if !held {
			if err := lim.Acquire(ctx); err != nil {
				return err
			}
			held = true
		}
		p, err, ok := next()
		switch {
		case !ok:
			return nil
		case err != nil:
			lim.Observe(err) // a 429 on a page holds back the limiter's other requests too
			return err
		case except[p.CallID] || p.Label != "" && except[p.Label] || opts.Filter != nil && !opts.Filter(p):
			continue
		}
		j := job{i, p}
		i++
		select {
		case jobs <- j:
			continue
		default: // the queue is full: wait for the workers without the slot
		}
		lim.Release()
		held = false
		select {
		case jobs <- j:
		case <-ctx.Done():
			skip(j)
			return ctx.Err()
		}
	}
}

// update sends req to p under the limiter, again after rate-limited
// answers, within one retry budget: at most budget requests in all, the
// retries of the layers below (a router, an adapter) included. Each send
// runs under the budget still left (participant.WithRetryBudget; first is
// ctx with the whole budget, made once per batch) and counts the requests
// its error reports (Error.Attempts).
func update(ctx, sends, first context.Context, u Client, conf participant.ConferenceRef, p *participant.Participant,
	req participant.UpdateRequest, lim *Limiter, budget int) Result {
	r := Result{Call: p.CallID, Label: p.Label}
	ref := conf.Participant(p.CallID)
	var applied participant.FieldSet // fields applied by earlier sends
	maybe := false                   // an earlier send may have acted
	for sent := 0; ; {
		if err := lim.Acquire(ctx); err != nil {
			if r.RateLimited > 0 {
				// Sent, answered 429, then canceled before sending again:
				// the carrier's last answer is the result.
				r.RateLimited--
				return r
			}
			return notAttempted(p, err)
		}
		sctx := first
		if sent > 0 {
			sctx = participant.WithRetryBudget(sends, budget-sent-1)
		}
		r.Participant, r.Err = send(sctx, u, ref, req, lim)
		pe, _ := errors.AsType[*participant.Error](r.Err)
		if pe != nil {
			sent += max(pe.Attempts, 1)
			d := pe.Delivery
			switch d {
			case participant.DeliveryMaybe, participant.DeliveryUnknown:
				maybe = true
			case participant.DeliveryNotSent, participant.DeliveryAnswered:
				if maybe { // this send did not act, but an earlier one may have
					d = participant.DeliveryMaybe
				}
			}
			if pe.Applied|applied != pe.Applied || d != pe.Delivery {
				// On a copy: the Client's error may be shared by many updates.
				cp := pe.CloneOver(r.Err) // errors.Is still finds pe; a wrapper stays in the chain
				cp.Applied, cp.Delivery = pe.Applied|applied, d
				pe, r.Err = cp, cp
			}
		} else {
			sent++
		}
		if !lim.Observe(r.Err) || sent >= budget || !again(pe, &req, &applied) {
			return r
		}
		r.RateLimited++
	}
}

// again reports whether an update rate limited with pe may be sent again,
// from its delivery fact alone, and leaves in req only what is left to
// send: not what the carrier applied (Error.Applied, when a step of a
// several-call update went through), which it adds to applied. A 429 means
// the carrier did not act (DeliveryAnswered); an update it applied
// (DeliveryApplied) is never sent again, nor one that may have acted
// (a 5xx before the 429) unless what is left is idempotent: an
// announcement that may have played is never replayed.
func again(pe *participant.Error, req *participant.UpdateRequest, applied *participant.FieldSet) bool {
	if pe == nil || pe.Delivery == participant.DeliveryApplied {
		return false
	}
	if pe.Applied != 0 {
		*applied |= pe.Applied
		*req = req.Without(pe.Applied)
		if req.Fields() == 0 {
			return false
		}
	}
	switch pe.Delivery {
	case participant.DeliveryAnswered, participant.DeliveryNotSent:
		return true
	}
	return req.Idempotent()
}

// send sends one update under a slot already acquired, and gives the
// slot back even if the Client panics.
func send(ctx context.Context, u Client, ref participant.Ref, req participant.UpdateRequest,
	lim *Limiter) (*participant.Participant, error) {
	defer lim.Release()
	return u.Update(ctx, ref, req)
}

func notAttempted(p *participant.Participant, cause error) Result {
	return Result{Call: p.CallID, Label: p.Label, Err: &participant.Error{Code: participant.CodeCanceled,
		Delivery: participant.DeliveryNotSent, Message: "not attempted: the batch was canceled", Err: errors.Join(ErrNotAttempted, cause)}}
}

// resolve returns the set of call ids and labels to leave out: each name,
// and the call id it names. Where the carrier can fetch, each name is
// looked up; a rate-limited lookup pauses the limiter and is sent again,
// up to retries times, as an update is. Where it cannot, the names are
// matched against one listing. A name that matches no participant is an
// ErrInvalidArgument naming every such name, unless opts allow it.
func resolve(ctx context.Context, u Client, caps participant.Capabilities, conf participant.ConferenceRef, opts Options,
	lim *Limiter, retries int) (map[string]bool, error) {
	set := make(map[string]bool, 2*len(opts.Except))
	var missing []string
	if len(opts.Except) > 0 && !caps.Can(participant.OpFetch) {
		var err error
		if missing, err = matchListed(ctx, u, conf, opts, lim, set); err != nil {
			return nil, err
		}
	}
	for _, name := range opts.Except {
		set[name] = true
		if !caps.Can(participant.OpFetch) {
			continue
		}
		var p *participant.Participant
		var err error
		for n := 0; ; n++ {
			if err := lim.Acquire(ctx); err != nil {
				return nil, err
			}
			p, err = fetch(ctx, u, conf.Participant(name), lim)
			if !lim.Observe(err) || n >= retries {
				break
			}
		}
		switch {
		case err == nil:
			set[p.CallID] = true
		case errors.Is(err, participant.ErrNotFound):
			missing = append(missing, name)
		default:
			return nil, err
		}
	}
	if len(missing) > 0 && !opts.AllowMissingExcept {
		quoted := make([]string, len(missing))
		for i, m := range missing {
			quoted[i] = strconv.Quote(m)
		}
		return nil, &participant.Error{Code: participant.CodeInvalidArgument, Op: participant.OpUpdate, Field: "Except",
			Delivery: participant.DeliveryNotSent, Message: "matches no participant of the conference, by call id or label: " + strings.Join(quoted, ", ") +
				" (nothing was sent; set AllowMissingExcept to leave no one out for such a name)"}
	}
	return set, nil
}

// matchListed lists conf once (under one limiter slot) and returns the
// Except names no listed participant has as call id or label; the call ids
// of the others go into set.
func matchListed(ctx context.Context, u Client, conf participant.ConferenceRef, opts Options,
	lim *Limiter, set map[string]bool) ([]string, error) {
	if err := lim.Acquire(ctx); err != nil {
		return nil, err
	}
	defer lim.Release()
	want := map[string]bool{}
	for _, name := range opts.Except {
		want[name] = true
	}
	found := map[string]bool{}
	for p, err := range u.List(ctx, conf, participant.ListOptions{PageSize: opts.List.PageSize}) {
		if err != nil {
			lim.Observe(err)
			return nil, err
		}
		for _, k := range []string{p.CallID, p.Label} {
			if k != "" && want[k] {
				found[k] = true
				set[p.CallID] = true
			}
		}
	}
	var missing []string
	for _, name := range opts.Except {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	return missing, nil
}

// fetch reads ref under a slot already acquired, and gives the slot back
// even if the Client panics.
func fetch(ctx context.Context, u Client, ref participant.Ref, lim *Limiter) (*participant.Participant, error) {
	defer lim.Release()
	return u.Fetch(ctx, ref)
}
