package vendorfake

import (
	"net/http"
	"slices"
)

// Action-verb vendors (Plivo, Vonage) do not lay their paths out as
// collections of participants with one update method: every verb has its
// own path. Their fakes route and serve the requests themselves
// (Dialect.Handle) over the Server's store, after the shared request log,
// Load and faults; the methods below are that store.

// Handler serves one request of an action-verb vendor (Dialect.Handle).
// rec is the recorded request, with its body read.
type Handler func(s *Server, w http.ResponseWriter, r *http.Request, rec Request)

// handle is the Dialect.Handle path of ServeHTTP.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, rec Request) bool {
	if s.d.Handle == nil {
		return false
	}
	s.d.Handle(s, w, r, rec)
	return true
}

// accountOf names the account r acts for, for the Load limit.
func (s *Server) accountOf(r *http.Request, path string) string {
	if s.d.AccountOf != nil {
		return s.d.AccountOf(r, path)
	}
	if rt, routed := s.route(path); routed {
		return rt.account
	}
	return ""
}

// Modify applies f to the participant call (an id or a label) of the
// conference, all or nothing: a problem from f changes nothing. An
// unknown participant is a NotFound problem.
func (s *Server) Modify(account, conference, call string, f func(p *Participant) *Problem) (Participant, *Problem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(account, conference, call)
	if i < 0 {
		return Participant{}, &Problem{Kind: NotFound}
	}
	p := s.parts[i].Participant
	if prob := f(&p); prob != nil {
		return s.parts[i].Participant, prob
	}
	p.Updated = Now()
	s.parts[i].Participant = p
	return p, nil
}

// Members returns the participants of a conference, oldest first, and
// whether the conference is known.
func (s *Server) Members(account, conference string) ([]Participant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, known := s.confs[confKey{account, conference}]
	var out []Participant
	for _, e := range s.parts {
		if e.Account == account && e.Conference == conference {
			out = append(out, e.Participant)
		}
	}
	return out, known
}

// ByCall finds a participant of account by its call id, in any conference
// (Vonage addresses a leg by its uuid alone).
func (s *Server) ByCall(account, call string) (Participant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.parts {
		if e.Account == account && e.CallID == call {
			return e.Participant, true
		}
	}
	return Participant{}, false
}

// Remove deletes a participant; false if there was none.
func (s *Server) Remove(account, conference, call string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(account, conference, call)
	if i < 0 {
		return false
	}
	s.parts = slices.Delete(s.parts, i, i+1)
	s.reindex()
	return true
}

// WriteProblem answers p in the vendor's error shape (Dialect.Describe,
// ErrorBody); path is the request's escaped path.
func (s *Server) WriteProblem(w http.ResponseWriter, path string, p Problem) {
	p.Path = path
	s.writeError(w, s.d.describe(p))
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }
