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
	state, key := h.dedup.begin(keyOf(&ev), &ev, h.opts.Now())
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

func keyOf(ev *Event) dedupKey {
	if ev.HasSequence {
		return dedupKey{carrier: ev.Carrier, conference: ev.Conference, seq: ev.Sequence, hasSeq: true}
	}
	return dedupKey{carrier: ev.Carrier, conference: ev.Conference, typ: ev.Type, call: ev.Call, at: ev.Time.UnixNano()}
}

type dedupState uint8

const (
	fresh dedupState = iota
	inFlight
	delivered
)

// A slot remembers one event: its key's hash, the key itself (two keys
// that share a hash are told apart; the newer replaces the older), when
// it is forgotten and how far its delivery got. The key's strings are
// copied into the slot's own bytes, reused when the slot is: a key must
// not keep the Event's raw payload alive for the window.
type slot struct {
	hash    uint64
	id      uint64 // the ticket of the begin that filled it
	expires time.Duration
	state   dedupState
	live    bool // seen maps hash to this slot
	hasSeq  bool
	seq     uint64
	at      int64
	lens    [3]int32 // carrier, conference, typ; call is the rest
	bytes   []byte
}

func (s *slot) fill(k *dedupKey) {
	n := len(k.carrier) + len(k.conference) + len(k.typ) + len(k.call)
	if cap(s.bytes) < n || cap(s.bytes) > 4*n+256 {
		s.bytes = make([]byte, n)
	} else {
		s.bytes = s.bytes[:n] // no pointer stored: no write barrier
	}
	b := s.bytes
	b = b[copy(b, k.carrier):]
	b = b[copy(b, k.conference):]
	b = b[copy(b, k.typ):]
	copy(b, k.call)
	s.lens = [3]int32{int32(len(k.carrier)), int32(len(k.conference)), int32(len(k.typ))}
	s.hasSeq, s.seq, s.at = k.hasSeq, k.seq, k.at
}

func (s *slot) holds(k *dedupKey) bool {
	if s.hasSeq != k.hasSeq || s.seq != k.seq || s.at != k.at ||
		s.lens != [3]int32{int32(len(k.carrier)), int32(len(k.conference)), int32(len(k.typ))} ||
		len(s.bytes) != len(k.carrier)+len(k.conference)+len(k.typ)+len(k.call) {
		return false
	}
	b := s.bytes
	c, f, t := len(k.carrier), len(k.conference), len(k.typ)
	return string(b[:c]) == k.carrier && string(b[c:c+f]) == k.conference &&
		string(b[c+f:c+f+t]) == string(k.typ) && string(b[c+f+t:]) == k.call
}

// highest is the highest sequence seen of one conference, for OutOfOrder;
// conf holds the carrier and the conference, carrierLen long the first.
type highest struct {
	conf       []byte
	carrierLen int
	seq        uint64
	expires    time.Duration
}

func (h *highest) of(carrier, conference string) bool {
	return h.carrierLen == len(carrier) && len(h.conf) == len(carrier)+len(conference) &&
		string(h.conf[:len(carrier)]) == carrier && string(h.conf[len(carrier):]) == conference
}

// ticket names the slot a begin filled, for done and abort.
type ticket struct{ hash, id uint64 }

// dedup remembers events for a window, bounded in count. Times are
// offsets from the first begin's now (monotonic when the clock's is).
type dedup struct {
	window   time.Duration
	capacity int
	seed     maphash.Seed

	mu     sync.Mutex
	epoch  time.Time
	seen   map[uint64]int32 // key hash -> ring index
	ring   []slot           // remembered events, oldest first from head
	head   int
	count  int
	nextID uint64
	latest map[uint64]*highest // hash of (carrier, conference)
}

// begin marks key in flight unless it is known; it sets ev.OutOfOrder.
// The ticket it returns is done's and abort's.
func (d *dedup) begin(key dedupKey, ev *Event, now time.Time) (dedupState, ticket) {
	h := maphash.Comparable(d.seed, key)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.epoch = now
		d.seen = make(map[uint64]int32)
		d.latest = make(map[uint64]*highest)
	}
	t := now.Sub(d.epoch)
	if i, ok := d.seen[h]; ok {
		s := &d.ring[i]
		if s.holds(&key) && t < s.expires {
			return s.state, ticket{h, s.id}
		}
		s.live = false // replaced below
	}
	for d.count > 0 && (d.ring[d.head].expires <= t || d.count >= d.capacity) {
		d.pop()
	}
	if d.count == len(d.ring) {
		d.grow()
	}
	i := (d.head + d.count) % len(d.ring)
	d.count++
	d.nextID++
	s := &d.ring[i]
	s.fill(&key)
	s.hash, s.id, s.expires, s.state, s.live = h, d.nextID, t+d.window, inFlight, true
	d.seen[h] = int32(i)
	if ev.HasSequence {
		ch := maphash.Comparable(d.seed, [2]string{ev.Carrier, ev.Conference})
		hi := d.latest[ch]
		switch {
		case hi == nil || !hi.of(ev.Carrier, ev.Conference):
			hi = &highest{carrierLen: len(ev.Carrier), seq: ev.Sequence}
			hi.conf = append(append(make([]byte, 0, len(ev.Carrier)+len(ev.Conference)), ev.Carrier...), ev.Conference...)
			d.latest[ch] = hi
		case t < hi.expires && ev.Sequence < hi.seq:
			ev.OutOfOrder = true
		default:
			hi.seq = ev.Sequence
		}
		hi.expires = t + d.window
		if len(d.latest) > d.capacity {
			for k, v := range d.latest {
				if v.expires <= t || len(d.latest) > d.capacity {
					delete(d.latest, k)
				}
			}
		}
	}
	return fresh, ticket{h, s.id}
}

// pop forgets the oldest event.
func (d *dedup) pop() {
	if s := &d.ring[d.head]; s.live {
		delete(d.seen, s.hash)
	}
	d.head = (d.head + 1) % len(d.ring)
	d.count--
}

// grow doubles the ring, up to the capacity, oldest first at 0.
func (d *dedup) grow() {
	ring := make([]slot, min(max(2*len(d.ring), 64), d.capacity))
	for j := range d.count {
		old := (d.head + j) % len(d.ring)
		ring[j] = d.ring[old]
		if ring[j].live {
			d.seen[ring[j].hash] = int32(j)
		}
	}
	d.ring, d.head = ring, 0
}

// slotOf returns the slot of t, or nil when it was forgotten.
func (d *dedup) slotOf(t ticket) *slot {
	if i, ok := d.seen[t.hash]; ok && d.ring[i].id == t.id {
		return &d.ring[i]
	}
	return nil
}

func (d *dedup) done(t ticket) {
	d.mu.Lock()
	if s := d.slotOf(t); s != nil {
		s.state = delivered
	}
	d.mu.Unlock()
}

// abort forgets the event, so the carrier's next delivery is delivered.
func (d *dedup) abort(t ticket) {
	d.mu.Lock()
	if s := d.slotOf(t); s != nil {
		delete(d.seen, t.hash)
		s.live = false
	}
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
