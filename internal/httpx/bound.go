package httpx

import (
	"context"
	"sync"
	"time"
)

// bound is a context with a deadline of its own over a parent that is
// never canceled (parent.Done() is nil): the time bounds of a call and of
// each attempt under context.Background(), the usual case. It costs no
// allocation of its own, where context.WithTimeout costs a timer, two
// closures and, once net/http hangs its per-request context below it, a
// done channel and a children map:
//   - the done channel is made only when Done is called;
//   - an attempt's bound (w set) is ended by its Client's watchdog, one
//     timer for all of the Client's attempts;
//   - a call's bound (w nil) starts a timer of its own only when Done is
//     called (between retries, or when it is the attempt's context), and
//     Err compares the deadline with the clock;
//   - it implements AfterFunc, so net/http's context below it registers a
//     callback instead of starting a goroutine to watch it.
//
// A bound with a zero deadline passes Deadline, Done and Err through.
type bound struct {
	context.Context           // the parent, never canceled when deadline is set
	deadline        time.Time // zero: none of its own
	w               *watchdog // ends it at deadline; nil: its own timer, on demand

	mu    sync.Mutex
	done  chan struct{}
	err   error
	timer *time.Timer
	f1    func() // callbacks registered with AfterFunc (the first one inline)
	fs    []func()

	prev, next *bound // in w's list
	linked     bool

	owner *attemptCtx // set on the first attempt's bound when it is the request's context (Do)
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (b *bound) Deadline() (time.Time, bool) {
	if b.deadline.IsZero() {
		return b.Context.Deadline()
	}
	return b.deadline, true
}

func (b *bound) Done() <-chan struct{} {
	if b.deadline.IsZero() {
		return b.Context.Done()
	}
	b.mu.Lock()
	if b.done == nil {
		if b.err == nil && !time.Now().Before(b.deadline) {
			b.mu.Unlock()
			b.end(context.DeadlineExceeded)
			b.mu.Lock()
		}
		if b.done == nil {
			b.done = make(chan struct{})
			if b.w == nil {
				b.timer = time.AfterFunc(time.Until(b.deadline), b.expire)
			}
		}
	}
	d := b.done
	b.mu.Unlock()
	return d
}

func (b *bound) Err() error {
	if b.deadline.IsZero() {
		return b.Context.Err()
	}
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	if err == nil && !time.Now().Before(b.deadline) {
		b.end(context.DeadlineExceeded) // the timer (or the watchdog) may not have run yet
		return b.Err()
	}
	return err
}

// AfterFunc is what the context package looks for on a parent that is not
// one of its own: context.WithCancel (net/http's per-request context) and
// context.AfterFunc register f here. f is called once when b ends. The
// returned stop does nothing and reports false: both of those callers make
// f idempotent and do their own bookkeeping, and b drops f when it ends.
func (b *bound) AfterFunc(f func()) func() bool {
	if b.deadline.IsZero() {
		return context.AfterFunc(b.Context, f)
	}
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		go f()
		return stopNothing
	}
	if b.f1 == nil {
		b.f1 = f
	} else {
		b.fs = append(b.fs, f)
	}
	b.mu.Unlock()
	return stopNothing
}

func stopNothing() bool { return false }

func (b *bound) expire() { b.end(context.DeadlineExceeded) }

// end ends b with err (first end wins): Done is closed and the callbacks
// run, in this goroutine, outside b's lock.
func (b *bound) end(err error) {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return
	}
	b.err = err
	if b.done == nil {
		b.done = closedChan
	} else {
		close(b.done)
	}
	if b.timer != nil {
		b.timer.Stop()
	}
	f1, fs := b.f1, b.fs
	b.f1, b.fs = nil, nil
	b.mu.Unlock()
	if f1 != nil {
		f1()
	}
	for _, f := range fs {
		f()
	}
}

// release ends b as canceled (its work is done) and takes it off its
// watchdog.
func (b *bound) release() {
	if b.w != nil {
		b.w.remove(b)
	}
	b.end(context.Canceled)
}

// watchdog ends the attempt bounds of one Client at their deadlines with
// one timer. Every attempt's bound is the same AttemptTimeout from its
// start, so the list is in deadline order and the timer is set for its
// head.
type watchdog struct {
	timeout    time.Duration
	mu         sync.Mutex
	head, tail *bound
	timer      *time.Timer
	armed      bool
}

// add sets b's deadline to now + the timeout, or limit when that is sooner
// (not zero), and watches it. (A limited deadline may sit a little out of
// order; it ends at most as late as the entry before it.)
func (w *watchdog) add(b *bound, limit time.Time) {
	w.mu.Lock()
	b.w = w
	b.deadline = time.Now().Add(w.timeout)
	if !limit.IsZero() && limit.Before(b.deadline) {
		b.deadline = limit
	}
	b.prev, b.next, b.linked = w.tail, nil, true
	if w.tail != nil {
		w.tail.next = b
	} else {
		w.head = b
	}
	w.tail = b
	if !w.armed {
		d := time.Until(b.deadline)
		if w.timer == nil {
			w.timer = time.AfterFunc(d, w.fire)
		} else {
			w.timer.Reset(d)
		}
		w.armed = true
	}
	w.mu.Unlock()
}

func (w *watchdog) remove(b *bound) {
	w.mu.Lock()
	w.unlink(b)
	w.mu.Unlock()
}

func (w *watchdog) unlink(b *bound) {
	if !b.linked {
		return
	}
	if b.prev != nil {
		b.prev.next = b.next
	} else {
		w.head = b.next
	}
	if b.next != nil {
		b.next.prev = b.prev
	} else {
		w.tail = b.prev
	}
	b.prev, b.next, b.linked = nil, nil, false
}

// fire ends every bound whose deadline has passed and sets the timer for
// the next one.
func (w *watchdog) fire() {
	var due []*bound
	w.mu.Lock()
	now := time.Now()
	for w.head != nil && !now.Before(w.head.deadline) {
		b := w.head
		w.unlink(b)
		due = append(due, b)
	}
	w.armed = w.head != nil
	if w.armed {
		w.timer.Reset(w.head.deadline.Sub(now))
	}
	w.mu.Unlock()
	for _, b := range due {
		b.expire()
	}
}
