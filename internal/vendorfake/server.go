package vendorfake

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carrierkit/carrierkit/conformance/fault"
)

// MaxBody is the largest request body the fake reads. A POST with a larger
// body is answered 413 in the vendor's error shape (code
// Dialect.StatusCodes[413], else "413") and changes nothing; its first
// MaxBody bytes are recorded, with Request.Truncated set.
const MaxBody = 1 << 20

// DefaultMaxRequests is how many requests a Server keeps by default.
const DefaultMaxRequests = 10_000

// malformedBody is the truncated JSON sent for Fault.Malformed.
const malformedBody = `{"account_sid":"`

// Server is an in-memory vendor fake; it is an http.Handler. Safe for
// concurrent use.
type Server struct {
	maxRequests int // SetMaxRequests

	d *Dialect

	mu       sync.Mutex
	parts    []entry               // in arrival order
	byCall   map[callKey]int       // index in parts by call id
	seq      uint64                // the last entry.seq given
	confs    map[confKey]time.Time // known conferences, with when each became known
	requests []Request
	dropped  int // requests dropped from the head of the log
	faults   []Fault

	load load

	notify func(Change) // SetNotify
	create Create       // SetCreate
}

// entry is a stored participant; seq orders it for paging.
type entry struct {
	Participant
	seq uint64
}

type confKey struct{ account, conference string }

type callKey struct{ account, conference, call string }

// reindex rebuilds byCall after parts moved. Callers hold s.mu.
func (s *Server) reindex() {
	s.byCall = make(map[callKey]int, len(s.parts))
	for i, e := range s.parts {
		s.byCall[callKey{e.Account, e.Conference, e.CallID}] = i
	}
}

// NewServer returns an empty fake speaking dialect d.
func NewServer(d *Dialect) *Server { return &Server{d: d} }

// Seed adds p, or replaces the participant with the same Account, Conference
// and CallID. An empty CallID gets a new vendor id; Created and Updated
// default to now (UTC, second precision), Status to "connected".
func (s *Server) Seed(p Participant) {
	now := Now()
	if p.CallID == "" {
		p.CallID = s.d.NewCallID()
	}
	if p.Created.IsZero() {
		p.Created = now
	}
	if p.Updated.IsZero() {
		p.Updated = now
	}
	if p.Status == "" {
		p.Status = "connected"
	}
	s.mu.Lock()
	s.addConference(p.Account, p.Conference)
	key := callKey{p.Account, p.Conference, p.CallID}
	if i, ok := s.byCall[key]; ok {
		s.parts[i].Participant = p
		s.mu.Unlock()
		return
	}
	if s.byCall == nil {
		s.byCall = map[callKey]int{}
	}
	s.seq++
	s.byCall[key] = len(s.parts)
	s.parts = append(s.parts, entry{p, s.seq})
	if s.notify != nil {
		s.notify(Change{Kind: Joined, After: p, Remaining: s.count(p.Account, p.Conference)})
	}
	s.mu.Unlock()
}

// AddConference makes a conference known, so listing it answers an empty
// page instead of 404. Seed does it for its participant's conference.
func (s *Server) AddConference(account, conference string) {
	s.mu.Lock()
	s.addConference(account, conference)
	s.mu.Unlock()
}

// addConference records a known conference. Callers hold s.mu.
func (s *Server) addConference(account, conference string) {
	if s.confs == nil {
		s.confs = map[confKey]time.Time{}
	}
	if k := (confKey{account, conference}); s.confs[k].IsZero() {
		s.confs[k] = Now()
	}
}

// Participant finds a participant by CallID, else by Label.
func (s *Server) Participant(account, conference, callOrLabel string) (Participant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.find(account, conference, callOrLabel); i >= 0 {
		return s.parts[i].Participant, true
	}
	return Participant{}, false
}

// find returns the index of the participant, or -1: by call id, else the
// first with that label. Callers hold s.mu.
func (s *Server) find(account, conference, callOrLabel string) int {
	if i, ok := s.byCall[callKey{account, conference, callOrLabel}]; ok {
		return i
	}
	for i, p := range s.parts {
		if p.Label != "" && p.Label == callOrLabel && p.Account == account && p.Conference == conference {
			return i
		}
	}
	return -1
}

// Requests returns a copy of the recorded requests, oldest first: the
// newest SetMaxRequests (by default DefaultMaxRequests) since the last
// ResetRequests, older ones having been dropped.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.Clone()
	}
	return out
}

// SetMaxRequests caps the request log: only the newest n requests are
// kept (0: DefaultMaxRequests; negative: no cap).
func (s *Server) SetMaxRequests(n int) {
	s.mu.Lock()
	s.maxRequests = n
	s.mu.Unlock()
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.dropped += len(s.requests)
	s.requests = nil
	s.mu.Unlock()
}

// Fail queues a fault (FIFO). It panics on a fault that Validate refuses,
// and on Refuse: a fake has accepted the connection already (refuse
// connections at the conformance proxy or an emulator endpoint).
func (s *Server) Fail(f Fault) {
	if err := f.Validate(); err != nil {
		panic("vendor fake: Fail: " + err.Error())
	}
	if f.Refuse {
		panic("vendor fake: Fail: a fake cannot refuse connections it has accepted; refuse them at a proxy or an emulator endpoint")
	}
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// ClearFaults drops all queued faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// nextFault pops one use of the first fault that applies to endpoint.
func (s *Server) nextFault(endpoint int) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Endpoint != 0 && f.Endpoint != endpoint {
			continue
		}
		if f.Times > 0 {
			s.faults[i].Times--
			if s.faults[i].Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}

type endpointKey struct{}

// ForEndpoint returns h with every request marked as arriving on endpoint n
// (1-based), so that faults with Endpoint n apply to it and the request log
// says where it arrived. Serve one Server on several listeners this way to
// fake a carrier's edges sharing one region's state.
func ForEndpoint(h http.Handler, n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), endpointKey{}, n)))
	})
}

func endpointOf(r *http.Request) int {
	n, _ := r.Context().Value(endpointKey{}).(int)
	return n
}

// statusWriter notes the status of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets Fault.Trickle send each space as it goes.
func (w *statusWriter) Flush() {
	if fl, ok := w.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Hijack lets Fault.Drop, Reset and Truncate close the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}

// ServeHTTP serves the participant resource of the dialect.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	rec := Request{
		Method:    r.Method,
		Path:      r.URL.EscapedPath(),
		RawQuery:  r.URL.RawQuery,
		Header:    r.Header.Clone(),
		Body:      body,
		Truncated: len(body) > MaxBody,
		Endpoint:  endpointOf(r),
	}
	if rec.Truncated {
		rec.Body = body[:MaxBody]
	}
	if isForm(r.Header.Get("Content-Type")) && !rec.Truncated {
		rec.Form, _ = url.ParseQuery(string(body))
	}
	seq := s.record(rec) // rec is the fake's own copy; Requests hands out clones
	sw := &statusWriter{ResponseWriter: w}
	defer func() { s.setStatus(seq, sw.status) }()

	release, ok := s.admit(sw, r, rec.Path)
	if !ok {
		return
	}
	defer release()
	if f, ok := s.nextFault(rec.Endpoint); ok {
		if f.Truncate {
			s.truncate(sw, r, rec, f, seq)
			return
		}
		if s.fault(sw, r, rec.Path, f) {
			return
		}
	}
	s.answer(sw, r, rec)
}

// answer serves rec: the dialect's own handler, else the participant
// resource.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rec Request) {
	if !s.handle(w, r, rec) {
		s.serve(w, r, rec)
	}
}

// truncate serves rec (or f's Status answer, after f's Delay) into a
// buffer, then sends it cut short on the hijacked connection: the headers
// announce the whole body and half of it is sent (an answer without a body
// is cut in its headers), and the connection is closed, or reset when
// f.Reset. The status is logged on request seq before anything is sent,
// so a client that sees the cut answer finds it in Requests.
func (s *Server) truncate(w *statusWriter, r *http.Request, rec Request, f Fault, seq int) {
	buf := &bufferedAnswer{header: http.Header{}}
	answer := f
	answer.Truncate, answer.Reset = false, false
	if !s.fault(buf, r, rec.Path, answer) {
		s.answer(buf, r, rec)
	}
	if buf.status == 0 {
		return // the delay outlived the request
	}
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	w.status = buf.status
	s.setStatus(seq, buf.status)
	_, _ = conn.Write(fault.Truncated(buf.status, buf.header, buf.body.Bytes()))
	closeConn(conn, f.Reset)
}

// bufferedAnswer holds an answer for truncate.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// setStatus notes the answer's status on the logged request seq, if the
// log still holds it.
func (s *Server) setStatus(seq, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := seq - s.dropped; i >= 0 && i < len(s.requests) {
		s.requests[i].Status = status
	}
}

// record appends rec to the log, dropping the oldest beyond maxRequests,
// and returns its sequence number.
func (s *Server) record(rec Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.maxRequests
	if limit == 0 {
		limit = DefaultMaxRequests
	}
	if limit > 0 && len(s.requests) >= limit {
		n := len(s.requests) - limit + 1
		clear(s.requests[:n]) // let the dropped bodies be collected
		s.requests = s.requests[n:]
		s.dropped += n
	}
	s.requests = append(s.requests, rec)
	return s.dropped + len(s.requests) - 1
}

// fault applies f; it reports whether the request is finished.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, path string, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	if f.Hang {
		<-r.Context().Done()
		return true
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.Drop:
		drop(w, false)
	case f.Reset:
		drop(w, true)
	case f.Trickle > 0:
		trickle(w, r, f.Trickle)
	case f.Malformed:
		writeRaw(w, http.StatusOK, []byte(malformedBody))
	case f.Body != "":
		writeRaw(w, cmp.Or(f.Status, http.StatusOK), []byte(f.Body))
	case f.Status != 0:
		e := s.d.describe(Problem{Kind: Injected, Status: f.Status, Path: path})
		if f.Code != "" {
			e.Code = f.Code
		}
		if f.Message != "" {
			e.Title, e.Detail = f.Message, ""
		}
		s.writeError(w, e)
	default:
		return false // delay only
	}
	return true
}

// drop closes the connection without a response; reset makes a TCP
// connection's close a reset (RST).
func drop(w http.ResponseWriter, reset bool) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			closeConn(conn, reset)
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// closeConn closes conn, with a reset (RST) when reset and conn is TCP.
func closeConn(conn net.Conn, reset bool) {
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// trickle answers 200 with headers announcing a MaxBody body and sends one
// space every interval, never the whole body, until the client gives up.
func trickle(w http.ResponseWriter, r *http.Request, every time.Duration) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(MaxBody))
	w.WriteHeader(http.StatusOK)
	t := time.NewTicker(every)
	defer t.Stop()
	for range MaxBody - 1 {
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
		}
	}
}

type route struct {
	account, conference string
	calls               []string // candidate call ids or labels, in lookup order
	list                bool     // the conference's participant list
}

// route parses an escaped participant path; each segment is unescaped on its
// own so a label may hold "/", "?", "#", "%" or "..".
func (s *Server) route(escaped string) (route, bool) {
	rest, ok := strings.CutPrefix(escaped, s.d.PathPrefix+"/")
	seg, names := strings.Split(rest, "/"), s.d.collections()
	list := ok && s.d.Page != nil && !s.d.ConferenceList && len(seg) == 5 &&
		(seg[4] == names[2]+s.d.PathSuffix || s.d.SuffixOptional && seg[4] == names[2])
	list = list || ok && s.d.Page != nil && s.d.ConferenceList && len(seg) == 4
	if !list && (!ok || len(seg) != 6 || seg[4] != names[2]) {
		return route{}, false
	}
	if seg[0] != names[0] || seg[2] != names[1] {
		return route{}, false
	}
	unescape := func(seg string) string {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return ""
		}
		return u
	}
	rt := route{account: unescape(seg[1]), conference: unescape(seg[3]), list: list}
	if rt.account == "" || rt.conference == "" {
		return route{}, false
	}
	if rt.list {
		return rt, true
	}
	add := func(seg string) {
		if u := unescape(seg); u != "" {
			rt.calls = append(rt.calls, u)
		}
	}
	if s.d.SuffixOptional {
		add(seg[5])
	}
	if last, ok := strings.CutSuffix(seg[5], s.d.PathSuffix); ok && (last != seg[5] || !s.d.SuffixOptional) {
		add(last)
	}
	return rt, len(rt.calls) > 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rec Request) {
	fail := func(p Problem) {
		p.Path = rec.Path
		s.writeError(w, s.d.describe(p))
	}
	account, ok := s.d.Authenticate(r)
	if !ok {
		fail(Problem{Kind: Unauthorized})
		return
	}
	rt, ok := s.route(rec.Path)
	update := s.d.updateMethod()
	switch {
	case !ok:
		fail(Problem{Kind: NotFound})
		return
	case account != "" && rt.account != account:
		fail(Problem{Kind: Forbidden})
		return
	case rt.list && r.Method == http.MethodPost && s.creating() != nil:
		s.serveCreate(w, rt, rec, s.creating())
		return
	case rt.list && r.Method != http.MethodGet:
		w.Header().Set("Allow", "GET")
		fail(Problem{Kind: MethodNotAllowed})
		return
	case rt.list:
		s.list(w, r, rt, fail)
		return
	case r.Method != http.MethodGet && r.Method != update && (r.Method != http.MethodDelete || s.d.NoRemove):
		w.Header().Set("Allow", s.d.allow())
		fail(Problem{Kind: MethodNotAllowed})
		return
	case r.Method == update && rec.Truncated:
		fail(Problem{Kind: TooLarge})
		return
	case r.Method == update && !s.d.bodyType(r.Header.Get("Content-Type")) &&
		(r.Header.Get("Content-Type") != "" || len(rec.Body) > 0):
		fail(Problem{Kind: UnsupportedMediaType})
		return
	}

	s.mu.Lock()
	i := -1
	for _, c := range rt.calls {
		if i = s.find(rt.account, rt.conference, c); i >= 0 {
			break
		}
	}
	if i < 0 {
		s.mu.Unlock()
		fail(Problem{Kind: NotFound})
		return
	}
	if r.Method == http.MethodDelete {
		gone := s.parts[i].Participant
		s.parts = slices.Delete(s.parts, i, i+1)
		s.reindex()
		if s.notify != nil {
			s.notify(Change{Kind: Left, Before: gone, Remaining: s.count(gone.Account, gone.Conference)})
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	before := s.parts[i].Participant
	p, prob := before, (*Problem)(nil)
	if r.Method == update {
		p, prob = s.post(p, rec.Body)
		if prob == nil {
			s.parts[i].Participant = p
			if s.notify != nil {
				s.notify(Change{Kind: Updated, Before: before, After: p, Remaining: s.count(p.Account, p.Conference),
					Announced: rec.Form.Has(FieldAnnounceURL) || p.AnnounceURL != before.AnnounceURL})
			}
		}
	}
	s.mu.Unlock()
	if prob != nil {
		fail(*prob)
		return
	}
	if r.Method == update && s.d.NoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, s.d.Resource(p))
}

// post validates body and returns the updated participant. Callers hold s.mu.
func (s *Server) post(p Participant, body []byte) (Participant, *Problem) {
	if s.d.RequireBody && len(body) == 0 {
		return p, &Problem{Kind: MissingBody}
	}
	if s.d.Apply != nil {
		p, prob := s.d.Apply(p, body)
		if prob == nil {
			p.Updated = Now()
		}
		return p, prob
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return p, &Problem{Kind: BadForm}
	}
	p, prob := s.d.update(p, form)
	if prob != nil {
		return p, prob
	}
	p.Updated = Now()
	return p, nil
}

// writeError renders e; a 401 (injected ones too) carries the challenge.
func (s *Server) writeError(w http.ResponseWriter, e Error) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", s.d.Challenge)
	}
	writeJSON(w, e.Status, s.d.ErrorBody(e))
}

// writeJSON writes v as JSON without HTML escaping.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, buf.Bytes())
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// Now is the fake's clock: UTC, second precision.
func Now() time.Time { return time.Now().UTC().Truncate(time.Second) }
