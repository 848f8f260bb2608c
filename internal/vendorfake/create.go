package vendorfake

import (
	"net/http"
	"net/url"
)

// Create is how a fake adds a participant on a POST to the conference's
// participant list (Twilio's CreateParticipant, TeXML's
// DialTexmlConferenceParticipant): fn gets the new participant and the
// form, before it is seeded, and returns a problem to refuse it.
type Create func(p Participant, form url.Values) *Problem

// SetCreate enables participant creation with fn (nil disables it: a
// POST to the list is 405, as before). Twilio-shaped (form) dialects only.
func (s *Server) SetCreate(fn Create) {
	s.mu.Lock()
	s.create = fn
	s.mu.Unlock()
}

// creating returns the Create function. Callers do not hold s.mu.
func (s *Server) creating() Create {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.create
}

// serveCreate adds a participant: From and To required, Label, and the
// update fields (Muted, Hold, …) as an update validates them; a new call
// id; answered 201 with the resource. Seed tells SetNotify's function.
func (s *Server) serveCreate(w http.ResponseWriter, rt route, rec Request, fn Create) {
	fail := func(p Problem) {
		p.Path = rec.Path
		s.writeError(w, s.d.describe(p))
	}
	if rec.Truncated {
		fail(Problem{Kind: TooLarge})
		return
	}
	form, err := url.ParseQuery(string(rec.Body))
	if err != nil {
		fail(Problem{Kind: BadForm})
		return
	}
	for _, f := range []string{"From", "To"} {
		if form.Get(f) == "" {
			fail(Problem{Kind: MissingBody, Field: f})
			return
		}
	}
	p := Participant{Account: rt.account, Conference: rt.conference, CallID: s.d.NewCallID(), Label: form.Get("Label"),
		StartConferenceOnEnter: form.Get("StartConferenceOnEnter") != "false", Status: "connected"}
	p, prob := s.d.update(p, form)
	if prob == nil {
		prob = fn(p, form)
	}
	if prob != nil {
		fail(*prob)
		return
	}
	p.Created, p.Updated = Now(), Now()
	s.Seed(p)
	writeJSON(w, http.StatusCreated, s.d.Resource(p))
}
