package emulator

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Callback sets where one conference posts its status callbacks, as
// Twilio's and TeXML's ConferenceStatusCallback or Bandwidth's
// conferenceEventUrl does, and carrierctl emulate --callback takes it.
type Callback struct {
	Provider string `json:"provider"`
	// Conference is the conference id; "" is the vendor's demo conference.
	Conference string `json:"conference,omitempty"`
	// URL gets the callbacks, signed as the carrier signs them.
	URL string `json:"url"`
	// Method is POST (the default) or GET.
	Method string `json:"method,omitempty"`
	// Events are the subscription keywords (start end join leave mute
	// hold modify speaker announcement) of a Twilio-family carrier; nil
	// takes every event the carrier sends.
	Events []string `json:"events,omitempty"`
}

// Webhook delivery defaults: what carriers do, within a bound.
const (
	DefaultWebhookTimeout = 10 * time.Second
	DefaultWebhookRetries = 2
	DefaultWebhookBackoff = 500 * time.Millisecond
	// DefaultWebhookCloseGrace bounds how long Close waits for the queue.
	DefaultWebhookCloseGrace = 5 * time.Second
	maxQueuedWebhooks        = 10_000
	maxDeliveries            = 10_000
)

// WebhookOptions tune delivery; the zero value takes the defaults. Set
// them before the first SetCallback.
type WebhookOptions struct {
	// Client sends the callbacks (nil: a client with no timeout of its
	// own; Timeout bounds each attempt).
	Client *http.Client
	// Timeout bounds one attempt (0: DefaultWebhookTimeout).
	Timeout time.Duration
	// Retries is how many times an attempt answered 5xx, or not
	// answered, is made again (0: DefaultWebhookRetries; -1: none).
	Retries int
	// Backoff is the wait before the first retry, doubled for each next
	// one (0: DefaultWebhookBackoff).
	Backoff time.Duration
	// Now is the clock of the callbacks' timestamps (nil: time.Now).
	Now func() time.Time
	// CloseGrace is how long Close lets queued callbacks go out before it
	// cuts them short (0: DefaultWebhookCloseGrace; negative: none).
	CloseGrace time.Duration
}

// Delivery is one callback the emulator posted.
type Delivery struct {
	Provider   string `json:"provider"`
	Conference string `json:"conference"`
	Event      string `json:"event"`
	URL        string `json:"url"`
	// URL is the callback URL, its password (if any) redacted.
	// Attempts made; Status is the last answer's (0: none came).
	Attempts int    `json:"attempts"`
	Status   int    `json:"status"`
	Error    string `json:"error,omitempty"`
}

type confID struct{ provider, conference string }

type conferenceHooks struct {
	Callback
	account string
	seq     int
	started bool
}

type queued struct {
	v    *Vendor
	conf *conferenceHooks
	cb   callback
	seq  int
	at   time.Time
}

// webhooks is an emulator's callback state: targets per conference, and
// one worker posting the queue in order.
type webhooks struct {
	mu         sync.Mutex
	opts       WebhookOptions
	confs      map[confID]*conferenceHooks
	queue      []queued
	deliveries []Delivery
	running    bool
	busy       bool
	wake       chan struct{}
	idle       *sync.Cond
	ctx        context.Context
	stop       context.CancelFunc
	done       chan struct{}
}

// SetWebhookOptions tunes callback delivery; call it before SetCallback.
func (e *Emulator) SetWebhookOptions(o WebhookOptions) {
	h := e.hooksState()
	h.mu.Lock()
	h.opts = o
	h.mu.Unlock()
}

func (e *Emulator) hooksState() *webhooks {
	e.hooksOnce.Do(func() {
		e.hooks = &webhooks{confs: map[confID]*conferenceHooks{}, wake: make(chan struct{}, 1)}
		e.hooks.idle = sync.NewCond(&e.hooks.mu)
	})
	return e.hooks
}

// SetCallback makes a conference post its callbacks to c.URL, and posts at
// once the joins (and the start) of the participants already in it, as
// the carrier did when they joined. Later joins (SeedParticipants, Join),
// updates and leaves (a removal, Hangup) post theirs, in order, from one
// goroutine, until Close.
func (e *Emulator) SetCallback(c Callback) error {
	v, err := e.Vendor(c.Provider)
	if err != nil {
		return err
	}
	if v.Webhooks == nil {
		return fmt.Errorf("provider %s: the emulator sends no callbacks for it", c.Provider)
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("callback url: want an absolute http(s) URL, got %q", c.URL)
	}
	switch c.Method = cmp.Or(strings.ToUpper(c.Method), http.MethodPost); c.Method {
	case http.MethodPost:
	case http.MethodGet:
		if v.Webhooks.edKey != nil {
			return errors.New("callback method: Telnyx signs the body only, so its callbacks are POST")
		}
	default:
		return fmt.Errorf("callback method: want POST or GET, got %q", c.Method)
	}
	c.Conference = cmp.Or(c.Conference, v.Conference)
	h := e.hooksState()
	h.mu.Lock()
	if !h.running {
		h.ctx, h.stop = context.WithCancel(context.Background())
		h.done = make(chan struct{})
		h.running = true
		go e.deliverLoop(h)
	}
	h.mu.Unlock()
	// Under the fake's lock: register the conference and replay the joins
	// of those already in, so no change is missed or sent twice.
	v.Server.Watch(func(ch vendorfake.Change) { e.onChange(v, ch) }, func(present []vendorfake.Participant) {
		h.mu.Lock()
		defer h.mu.Unlock()
		conf := &conferenceHooks{Callback: c, account: v.Account, seq: v.Webhooks.seqFrom}
		h.confs[confID{v.Name, c.Conference}] = conf
		n := 0
		for _, p := range present {
			if p.Account == v.Account && p.Conference == c.Conference {
				n++
				e.enqueue(h, v, conf, vendorfake.Change{Kind: vendorfake.Joined, After: p, Remaining: n})
			}
		}
	})
	return nil
}

// onChange is the fake's notify function: it queues the change's
// callbacks (called under the fake's lock, so it only queues).
func (e *Emulator) onChange(v *Vendor, ch vendorfake.Change) {
	p := ch.After
	if ch.Kind == vendorfake.Left {
		p = ch.Before
	}
	h := e.hooksState()
	h.mu.Lock()
	defer h.mu.Unlock()
	if conf := h.confs[confID{v.Name, p.Conference}]; conf != nil && p.Account == v.Account {
		e.enqueue(h, v, conf, ch)
	}
}

// enqueue queues ch's callbacks. Callers hold h.mu.
func (e *Emulator) enqueue(h *webhooks, v *Vendor, conf *conferenceHooks, ch vendorfake.Change) {
	cbs, start, end := v.Webhooks.callbacks(ch, conf.started)
	conf.started = (conf.started || start) && !end
	now := time.Now()
	if h.opts.Now != nil {
		now = h.opts.Now()
	}
	for _, cb := range cbs {
		if !conf.subscribed(cb.event) {
			continue
		}
		seq := -1
		if conf.seq >= 0 {
			seq = conf.seq
			conf.seq++
		}
		if len(h.queue) >= maxQueuedWebhooks {
			h.record(Delivery{Provider: v.Name, Conference: conf.Conference, Event: cb.event, URL: redacted(conf.URL), Error: "queue full: dropped"})
			continue
		}
		h.queue = append(h.queue, queued{v: v, conf: conf, cb: cb, seq: seq, at: now})
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *webhooks) record(d Delivery) {
	if len(h.deliveries) >= maxDeliveries {
		h.deliveries = h.deliveries[1:]
	}
	h.deliveries = append(h.deliveries, d)
}

func (e *Emulator) deliverLoop(h *webhooks) {
	defer close(h.done)
	for {
		h.mu.Lock()
		if len(h.queue) == 0 {
			h.busy = false
			h.idle.Broadcast()
			h.mu.Unlock()
			select {
			case <-h.ctx.Done():
				return
			case <-h.wake:
				continue
			}
		}
		q := h.queue[0]
		h.queue[0] = queued{}
		h.queue = h.queue[1:]
		h.busy = true
		opts := h.opts
		h.mu.Unlock()
		d := e.post(h.ctx, opts, q)
		h.mu.Lock()
		h.record(d)
		h.mu.Unlock()
	}
}

// post sends one callback: each attempt bounded by Timeout, again on a 5xx
// or no answer, at most Retries more times.
func (e *Emulator) post(ctx context.Context, opts WebhookOptions, q queued) Delivery {
	d := Delivery{Provider: q.v.Name, Conference: q.conf.Conference, Event: q.cb.event, URL: redacted(q.conf.URL)}
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	retries := opts.Retries
	if retries == 0 {
		retries = DefaultWebhookRetries
	}
	backoff := cmp.Or(opts.Backoff, DefaultWebhookBackoff)
	for attempt := 0; ; attempt++ {
		d.Attempts++
		req, err := q.v.Webhooks.encode(q.cb, q.conf.Conference, q.conf.account, q.seq, q.at, q.conf.Method, q.conf.URL)
		if err != nil {
			d.Error = err.Error()
			return d
		}
		actx, cancel := context.WithTimeout(ctx, cmp.Or(opts.Timeout, DefaultWebhookTimeout))
		resp, err := client.Do(req.WithContext(actx))
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			d.Status, d.Error = resp.StatusCode, ""
		} else {
			d.Status, d.Error = 0, err.Error()
		}
		cancel()
		if err == nil && resp.StatusCode < 500 || attempt >= retries || ctx.Err() != nil {
			return d
		}
		t := time.NewTimer(backoff << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
			return d
		case <-t.C:
		}
	}
}

// redacted hides a password in a callback URL (https://user:pass@host/).
func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// Deliveries returns the callbacks posted, oldest first (the newest
// 10,000), each with its last answer.
func (e *Emulator) Deliveries() []Delivery {
	h := e.hooksState()
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Delivery(nil), h.deliveries...)
}

// FlushWebhooks waits until every queued callback was posted (or ctx is done).
func (e *Emulator) FlushWebhooks(ctx context.Context) error {
	h := e.hooksState()
	stop := context.AfterFunc(ctx, func() {
		h.mu.Lock()
		h.idle.Broadcast()
		h.mu.Unlock()
	})
	defer stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.running && (len(h.queue) > 0 || h.busy) {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.idle.Wait()
	}
	return nil
}

// Close lets the queued callbacks go out for up to CloseGrace, then stops
// posting them (one in flight is cut short, the rest dropped) and waits
// for the goroutine that posts them. The emulator keeps serving its API.
func (e *Emulator) Close() error {
	h := e.hooksState()
	h.mu.Lock()
	grace := cmp.Or(h.opts.CloseGrace, DefaultWebhookCloseGrace)
	h.mu.Unlock()
	if grace > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		_ = e.FlushWebhooks(ctx)
		cancel()
	}
	h.mu.Lock()
	running, done := h.running, h.done
	if running {
		h.stop()
		h.running = false
		h.idle.Broadcast()
	}
	h.mu.Unlock()
	if running {
		<-done
	}
	return nil
}

// Join adds a participant to a vendor's conference ("" : the demo one), as
// a call joining it; its callbacks follow. call "" gets a new call id.
func (e *Emulator) Join(provider, conference, call, label string) (Seeded, error) {
	v, err := e.Vendor(provider)
	if err != nil {
		return Seeded{}, err
	}
	if call == "" {
		call = v.Server.NewCallID()
	}
	v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: cmp.Or(conference, v.Conference), CallID: call, Label: label,
		StartConferenceOnEnter: true, Status: "connected"})
	return Seeded{Call: call, Label: label}, nil
}

// Hangup ends a participant's call: it leaves the conference, and the
// conference ends when it was the last.
func (e *Emulator) Hangup(provider, conference, callOrLabel string) error {
	v, err := e.Vendor(provider)
	if err != nil {
		return err
	}
	if !v.Server.Hangup(v.Account, cmp.Or(conference, v.Conference), callOrLabel) {
		return fmt.Errorf("provider %s: no participant %q in conference %q", provider, callOrLabel, cmp.Or(conference, v.Conference))
	}
	return nil
}

// ParseCallback reads carrierctl emulate's --callback: PROVIDER=URL or
// PROVIDER:CONFERENCE=URL, with an optional GET: before the URL.
func ParseCallback(s string) (Callback, error) {
	target, rawURL, ok := strings.Cut(s, "=")
	if !ok || rawURL == "" {
		return Callback{}, fmt.Errorf("want PROVIDER[:CONFERENCE]=[GET:]URL, got %q", s)
	}
	var c Callback
	c.Provider, c.Conference, _ = strings.Cut(target, ":")
	if m, rest, ok := strings.Cut(rawURL, ":"); ok && (m == http.MethodGet || m == http.MethodPost) {
		c.Method, rawURL = m, rest
	}
	c.URL = rawURL
	return c, nil
}

func (e *Emulator) handleCallback(w http.ResponseWriter, r *http.Request) {
	var c Callback
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(fmt.Errorf("callback: %v", err)))
		return
	}
	if err := e.SetCallback(c); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
