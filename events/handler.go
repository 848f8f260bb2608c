package events

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Handler defaults.
const (
	DefaultMaxBody       = 64 << 10
	DefaultDedupWindow   = 10 * time.Minute
	DefaultDedupCapacity = 100_000
)

// HandlerOptions tune a Handler; the zero value takes every default.
type HandlerOptions struct {
	// MaxBody is the largest body read (0: DefaultMaxBody); a larger one
	// is answered 413 and reaches nothing.
	MaxBody int64
	// DedupWindow is how long a delivered event is remembered, to drop
	// the carrier's second delivery of it (0: DefaultDedupWindow).
	DedupWindow time.Duration
	// DedupCapacity bounds the events remembered (0:
	// DefaultDedupCapacity); past it the oldest are forgotten first.
	DedupCapacity int
	// Now is the clock of the dedup window (nil: time.Now).
	Now func() time.Time
	// OnError, when set, is told of each request that delivered nothing:
	// refused (errors.Is ErrUnverified), malformed (ErrBadPayload), an
	// event the carrier is not known to send (ErrUnknownEvent), or one
	// the app's deliver function failed. The error never holds a secret.
	OnError func(r *http.Request, err error)
}

// Handler is an http.Handler for one carrier's conference callbacks: it
// accepts only the carrier's methods, reads at most MaxBody bytes,
// verifies, parses, drops a second delivery of an event it already
// delivered, and hands each new Event to the app's deliver function in
// the request's goroutine (no goroutine of its own). It answers what the
// carrier expects (Receiver.Status) once deliver returns nil, and 500
// when deliver fails, so the carrier sends the event again.
//
// Deduplication is on (carrier, conference, sequence) where the carrier
// numbers its events, else (carrier, conference, type, call, time).
// Arrivals are never held back to reorder them: an event numbered below
// one already seen of its conference is delivered at once with
// OutOfOrder set.
//
// A Handler is safe for concurrent use.
type Handler struct {
	rcv     Receiver
	deliver func(context.Context, Event) error
	opts    HandlerOptions
	allow   string
	dedup   dedup
	bufs    sync.Pool
}

// NewHandler returns a Handler that hands the events rcv verifies and
// parses to deliver.
func NewHandler(rcv Receiver, deliver func(context.Context, Event) error, opts HandlerOptions) *Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.DedupWindow <= 0 {
		opts.DedupWindow = DefaultDedupWindow
	}
	if opts.DedupCapacity <= 0 {
		opts.DedupCapacity = DefaultDedupCapacity
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{rcv: rcv, deliver: deliver, opts: opts, allow: strings.Join(rcv.Methods(), ", ")}
	h.dedup.window, h.dedup.capacity, h.dedup.seed = opts.DedupWindow, opts.DedupCapacity, maphash.MakeSeed()
	h.bufs.New = func() any { b := make([]byte, 0, 4<<10); return &b }
	return h
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if h.opts.OnError != nil && err != nil {
		h.opts.OnError(r, err)
	}
	http.Error(w, http.StatusText(status), status)
}

// ServeHTTP serves one callback.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	allowed := false
	for _, m := range h.rcv.Methods() {
		allowed = allowed || r.Method == m
	}
	if !allowed {
		w.Header().Set("Allow", h.allow)
		h.fail(w, r, http.StatusMethodNotAllowed, errors.New("events: "+h.rcv.Carrier()+": method "+r.Method+" not allowed (want "+h.allow+")"))
		return
	}
	bp := h.bufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= int(h.opts.MaxBody)+1 {
			h.bufs.Put(bp)
		}
	}()
	var src io.Reader = http.NoBody
	if r.Body != nil {
		src = r.Body
	}
	body, err := readAtMost(src, (*bp)[:0], h.opts.MaxBody+1)
	*bp = body[:0]
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if int64(len(body)) > h.opts.MaxBody {
		h.fail(w, r, http.StatusRequestEntityTooLarge, errors.New("events: "+h.rcv.Carrier()+": body over "+strconv.FormatInt(h.opts.MaxBody, 10)+" bytes (HandlerOptions.MaxBody)"))
		return
	}
	var ev Event
	var verr error
	if vp, ok := h.rcv.(verifyParser); ok {
		ev, verr, err = vp.verifyAndParse(r, body)
	} else if verr = h.rcv.Verify(r, body); verr == nil {
		ev, err = h.rcv.Parse(r, body)
	}
	if err := verr; err != nil {
		switch {
		case errors.Is(err, ErrNoSecret), errors.Is(err, ErrNoPublicURL):
			h.fail(w, r, http.StatusInternalServerError, err) // misconfigured: fail closed
		case errors.Is(err, ErrMissingSignature):
			if c, ok := h.rcv.(interface{ Challenge() string }); ok {
				w.Header().Set("WWW-Authenticate", c.Challenge())
			}
			h.fail(w, r, http.StatusUnauthorized, err)
		default:
			h.fail(w, r, http.StatusForbidden, err)
		}
		return
	}
	switch {
	case errors.Is(err, ErrUnknownEvent):
		// Verified, but not an event this carrier is known to send: answer
		// as the carrier expects, so it does not retry, and deliver nothing.
		if h.opts.OnError != nil {
			h.opts.OnError(r, err)
		}
		w.WriteHeader(h.rcv.Status())
		return
	case err != nil:
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	state, key := h.dedup.begin(keyOf(ev), &ev, h.opts.Now())
	switch state {
	case delivered:
		w.WriteHeader(h.rcv.Status())
		return
	case inFlight:
		// The same event is being delivered by another request; if that
		// one fails, the carrier's retry of this one must not be lost.
		w.Header().Set("Retry-After", "1")
		h.fail(w, r, http.StatusServiceUnavailable, nil)
		return
	}
	if err := h.deliver(r.Context(), ev); err != nil {
		h.dedup.abort(key)
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	h.dedup.done(key)
	w.WriteHeader(h.rcv.Status())
}

type dedupKey struct {
	carrier, conference string
	seq                 uint64
	hasSeq              bool
	typ                 Type
	call                string
	at                  int64 // Unix nanoseconds
}

func keyOf(ev Event) dedupKey {
	if ev.HasSequence {
		return dedupKey{carrier: ev.Carrier, conference: ev.Conference, seq: ev.Sequence, hasSeq: true}
	}
	return dedupKey{carrier: ev.Carrier, conference: ev.Conference, typ: ev.Type, call: ev.Call, at: ev.Time.UnixNano()}
}

type dedupState int

const (
	fresh dedupState = iota
	inFlight
	delivered
)

// Entries are found by a hash of their key and hold the key itself: two
// keys that share a hash are told apart (the newer replaces the older).
type seenEntry struct {
	key     dedupKey
	expires time.Time
	state   dedupState
}

type fifoEntry struct {
	hash    uint64
	expires time.Time
}

type confKey struct{ carrier, conference string }

type highest struct {
	conf    confKey
	seq     uint64
	expires time.Time
}

// dedup remembers events for a window, bounded in count.
type dedup struct {
	window   time.Duration
	capacity int
	seed     maphash.Seed

	mu     sync.Mutex
	seen   map[uint64]seenEntry
	fifo   []fifoEntry
	latest map[uint64]highest
}

// begin marks key in flight unless it is known; it sets ev.OutOfOrder.
// The hash it returns is done's and abort's.
func (d *dedup) begin(key dedupKey, ev *Event, now time.Time) (dedupState, uint64) {
	h := maphash.Comparable(d.seed, key)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = make(map[uint64]seenEntry)
		d.latest = make(map[uint64]highest)
	}
	if e, ok := d.seen[h]; ok && e.key == key && now.Before(e.expires) {
		return e.state, h
	}
	for len(d.fifo) > 0 && (!now.Before(d.fifo[0].expires) || len(d.fifo) >= d.capacity) {
		head := d.fifo[0]
		if e, ok := d.seen[head.hash]; ok && e.expires.Equal(head.expires) {
			delete(d.seen, head.hash)
		}
		d.fifo = d.fifo[1:]
	}
	expires := now.Add(d.window)
	d.seen[h] = seenEntry{key: key, expires: expires, state: inFlight}
	d.fifo = append(d.fifo, fifoEntry{h, expires})
	if ev.HasSequence {
		ck := confKey{ev.Carrier, ev.Conference}
		ch := maphash.Comparable(d.seed, ck)
		hi, ok := d.latest[ch]
		if ok && hi.conf == ck && now.Before(hi.expires) && ev.Sequence < hi.seq {
			ev.OutOfOrder = true
		} else {
			hi.seq = ev.Sequence
		}
		hi.conf, hi.expires = ck, expires
		d.latest[ch] = hi
		if len(d.latest) > d.capacity {
			for k, v := range d.latest {
				if !now.Before(v.expires) || len(d.latest) > d.capacity {
					delete(d.latest, k)
				}
			}
		}
	}
	return fresh, h
}

func (d *dedup) done(h uint64) {
	d.mu.Lock()
	if e, ok := d.seen[h]; ok {
		e.state = delivered
		d.seen[h] = e
	}
	d.mu.Unlock()
}

// abort forgets the event, so the carrier's next delivery is delivered.
func (d *dedup) abort(h uint64) {
	d.mu.Lock()
	delete(d.seen, h)
	d.mu.Unlock()
}

// readAtMost appends to dst what r holds, reading no more than limit bytes.
func readAtMost(r io.Reader, dst []byte, limit int64) ([]byte, error) {
	for int64(len(dst)) < limit {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		end := min(int64(cap(dst)), limit)
		n, err := r.Read(dst[len(dst):end])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}
