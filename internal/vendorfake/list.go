package vendorfake

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Page is one page of a conference's participant list, ready for the
// dialect's envelope. The URIs are relative to the API host, with their
// query; an empty one means "none".
type Page struct {
	// Account and Conference name the conference; Created is when the fake
	// first knew it (UTC, second precision).
	Account, Conference string
	Created             time.Time
	Participants        []any // rendered by Dialect.Resource
	Page                int   // zero-based page index
	PageSize            int
	Start, End          int // zero-based indexes of the first and last item (both 0 when empty)
	URI                 string
	FirstPageURI        string
	NextPageURI         string
	PrevPageURI         string
}

type load struct {
	mu        sync.Mutex
	cfg       Load
	inFlight  map[string]int // by account in the path
	throttled atomic.Int64
	peak      int // the most requests of one account in flight at once
}

// SetLoad sets the load behaviour for the requests that start after it.
func (s *Server) SetLoad(l Load) {
	s.load.mu.Lock()
	s.load.cfg = l
	s.load.mu.Unlock()
}

// Throttled returns how many requests the Load limit answered 429.
func (s *Server) Throttled() int64 { return s.load.throttled.Load() }

// PeakInFlight returns the most requests of one account the Load limit
// saw in flight at once (429s not included), since the last ResetLoadStats.
func (s *Server) PeakInFlight() int {
	s.load.mu.Lock()
	defer s.load.mu.Unlock()
	return s.load.peak
}

// ResetLoadStats zeroes Throttled and PeakInFlight.
func (s *Server) ResetLoadStats() {
	s.load.mu.Lock()
	s.load.peak = 0
	s.load.mu.Unlock()
	s.load.throttled.Store(0)
}

// admit applies the Load: it answers 429 when the account is over its
// limit, else waits the latency. release ends the request's slot; ok false
// means the request is answered (or its client left).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, path string) (release func(), ok bool) {
	s.load.mu.Lock()
	cfg := s.load.cfg
	account := ""
	if cfg.MaxConcurrent > 0 {
		account = s.accountOf(r, path)
	}
	if account != "" {
		if s.load.inFlight == nil {
			s.load.inFlight = map[string]int{}
		}
		if s.load.inFlight[account] >= cfg.MaxConcurrent {
			s.load.mu.Unlock()
			s.load.throttled.Add(1)
			if s.d.RateLimitHeaders != nil {
				s.d.RateLimitHeaders(w.Header(), cfg.MaxConcurrent)
			}
			s.writeError(w, s.d.describe(Problem{Kind: RateLimited, Path: path}))
			return nil, false
		}
		s.load.inFlight[account]++
		s.load.peak = max(s.load.peak, s.load.inFlight[account])
	}
	s.load.mu.Unlock()
	release = func() {
		if account != "" {
			s.load.mu.Lock()
			s.load.inFlight[account]--
			s.load.mu.Unlock()
		}
	}
	if cfg.Latency > 0 && !sleep(r.Context(), cfg.Latency) {
		release()
		return nil, false
	}
	return release, true
}

// sleep waits d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Query parameters of the list operation (Twilio's names; TeXML's other
// list operations use the same).
const (
	QueryPageSize  = "PageSize"
	QueryPage      = "Page"
	QueryPageToken = "PageToken"
)

// list serves one page of the conference's participants, oldest first.
// Paging follows Twilio's scheme: PageSize, Page (for the client's state)
// and an opaque PageToken ("PA<n>": after entry n, "PB<n>": before it) in
// next_page_uri and previous_page_uri. An unknown conference is 404.
func (s *Server) list(w http.ResponseWriter, r *http.Request, rt route, fail func(Problem)) {
	if s.d.ConferenceList {
		s.listConference(w, rt, fail)
		return
	}
	q := r.URL.Query()
	bad := func(field string) { fail(Problem{Kind: InvalidQuery, Field: field, Value: q.Get(field)}) }
	size := s.d.DefaultPageSize
	if v := q.Get(QueryPageSize); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.d.MaxPageSize {
			bad(QueryPageSize)
			return
		}
		size = n
	}
	page := 0
	if v := q.Get(QueryPage); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad(QueryPage)
			return
		}
		page = n
	}
	var after, before uint64
	if v := q.Get(QueryPageToken); v != "" {
		n, err := strconv.ParseUint(v[min(2, len(v)):], 10, 64)
		switch {
		case err != nil:
			bad(QueryPageToken)
			return
		case strings.HasPrefix(v, "PA"):
			after = n
		case strings.HasPrefix(v, "PB"):
			before = n
		default:
			bad(QueryPageToken)
			return
		}
	}
	filters := url.Values{}
	var match []func(Participant) bool
	for _, f := range s.d.ListFilters {
		v, ok := q[f]
		if !ok {
			continue
		}
		if v[0] != "true" && v[0] != "false" {
			bad(f)
			return
		}
		filters.Set(f, v[0])
		want, get := v[0] == "true", listFilters[f]
		match = append(match, func(p Participant) bool { return get(p) == want })
	}

	created, ok := s.lockConference(rt, fail)
	if !ok {
		return
	}
	var sel []entry
	more := false // another page lies beyond sel in the paging direction
	for _, e := range s.parts {
		if !s.listed(e.Participant, rt) || e.seq <= after || before != 0 && e.seq >= before {
			continue
		}
		keep := true
		for _, m := range match {
			keep = keep && m(e.Participant)
		}
		if !keep {
			continue
		}
		if before == 0 && len(sel) == size {
			more = true
			break
		}
		sel = append(sel, e)
	}
	if before != 0 && len(sel) > size {
		sel, more = sel[len(sel)-size:], true
	}
	items := make([]any, len(sel))
	for i, e := range sel {
		items[i] = s.d.Resource(e.Participant)
	}
	s.mu.Unlock()

	base := r.URL.EscapedPath() // the page URIs keep the path as asked
	uri := func(page int, token string) string {
		v := url.Values{}
		for k := range filters {
			v.Set(k, filters.Get(k))
		}
		v.Set(QueryPageSize, strconv.Itoa(size))
		v.Set(QueryPage, strconv.Itoa(page))
		if token != "" {
			v.Set(QueryPageToken, token)
		}
		return base + "?" + v.Encode()
	}
	p := Page{Account: rt.account, Conference: rt.conference, Created: created, Participants: items,
		Page: page, PageSize: size, FirstPageURI: uri(0, "")}
	p.URI = uri(page, q.Get(QueryPageToken))
	if len(sel) > 0 {
		p.Start = page * size
		p.End = p.Start + len(sel) - 1
		first, last := sel[0].seq, sel[len(sel)-1].seq
		forward, backward := more, after != 0
		if before != 0 {
			forward, backward = true, more
		}
		if forward {
			p.NextPageURI = uri(page+1, "PA"+strconv.FormatUint(last, 10))
		}
		if backward {
			p.PrevPageURI = uri(max(page-1, 0), "PB"+strconv.FormatUint(first, 10))
		}
	}
	writeJSON(w, http.StatusOK, s.d.Page(p))
}

// listConference serves the conference resource with every listed
// participant, oldest first, in one page (Dialect.ConferenceList). An
// unknown conference is 404; one with nobody left lists none.
func (s *Server) listConference(w http.ResponseWriter, rt route, fail func(Problem)) {
	created, ok := s.lockConference(rt, fail)
	if !ok {
		return
	}
	p := Page{Account: rt.account, Conference: rt.conference, Created: created, Participants: []any{}}
	for _, e := range s.parts {
		if s.listed(e.Participant, rt) {
			p.Participants = append(p.Participants, s.d.Resource(e.Participant))
		}
	}
	s.mu.Unlock()
	p.PageSize = len(p.Participants)
	p.End = max(len(p.Participants)-1, 0)
	writeJSON(w, http.StatusOK, s.d.Page(p))
}

// lockConference locks s.mu and returns when rt's conference became known;
// an unknown conference is answered 404, unlocked.
func (s *Server) lockConference(rt route, fail func(Problem)) (time.Time, bool) {
	s.mu.Lock()
	created, known := s.confs[confKey{rt.account, rt.conference}]
	if !known {
		s.mu.Unlock()
		fail(Problem{Kind: NotFound})
	}
	return created, known
}

// listed reports whether a list of rt's conference holds p. Callers hold
// s.mu.
func (s *Server) listed(p Participant, rt route) bool {
	return p.Account == rt.account && p.Conference == rt.conference && (s.d.Listed == nil || s.d.Listed(p))
}

// listFilters are the participant states a list can be filtered on.
var listFilters = map[string]func(Participant) bool{
	FieldMuted:    func(p Participant) bool { return p.Muted },
	FieldHold:     func(p Participant) bool { return p.Hold },
	FieldCoaching: func(p Participant) bool { return p.Coaching },
}
