package vendorfake

import "slices"

// ChangeKind says what happened to a participant.
type ChangeKind int

// Change kinds.
const (
	Joined  ChangeKind = iota + 1 // Seed added a participant
	Left                          // a DELETE removed one
	Updated                       // an update applied
)

// Change is one change to the fake's participants, as a carrier would
// report it in a conference callback.
type Change struct {
	Kind          ChangeKind
	Before, After Participant // Before is zero for Joined, After for Left
	// Announced: the update set an announcement (AnnounceUrl).
	Announced bool
	// Remaining is how many participants the conference has after it.
	Remaining int
}

// SetNotify has fn called with every change as it is made, in the order
// the changes were made: under the fake's lock, so fn must be quick and
// must not call the fake. nil stops it.
func (s *Server) SetNotify(fn func(Change)) {
	s.mu.Lock()
	s.notify = fn
	s.mu.Unlock()
}

// count returns how many participants the conference has (not those who
// left). Callers hold s.mu.
func (s *Server) count(account, conference string) int {
	n := 0
	for _, p := range s.parts {
		if p.Account == account && p.Conference == conference && p.Status != LeftStatus {
			n++
		}
	}
	return n
}

// LeftStatus is the Status Hangup gives a participant of a vendor without
// a removal call (NoRemove: Bandwidth keeps a member who left, "completed").
const LeftStatus = "completed"

// Hangup ends a participant's call, as when the caller hangs up: the
// participant leaves its conference (removed; kept with Status LeftStatus
// where the vendor has no removal call) and SetNotify's function is told.
// It reports whether the participant was there.
func (s *Server) Hangup(account, conference, callOrLabel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(account, conference, callOrLabel)
	if i < 0 || s.parts[i].Status == LeftStatus {
		return false
	}
	gone := s.parts[i].Participant
	if s.d.NoRemove {
		s.parts[i].Status = LeftStatus
	} else {
		s.parts = slices.Delete(s.parts, i, i+1)
		s.reindex()
	}
	if s.notify != nil {
		s.notify(Change{Kind: Left, Before: gone, Remaining: s.count(account, conference)})
	}
	return true
}

// Watch sets the notify function as SetNotify does and, under the same
// lock, first calls replay with the participants present, oldest first
// (those who left excluded), so no change falls between the two. replay,
// like fn, must not call the fake.
func (s *Server) Watch(fn func(Change), replay func([]Participant)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	present := make([]Participant, 0, len(s.parts))
	for _, e := range s.parts {
		if e.Status != LeftStatus {
			present = append(present, e.Participant)
		}
	}
	replay(present)
	s.notify = fn
}

// NewCallID returns a new call id in the vendor's form.
func (s *Server) NewCallID() string { return s.d.NewCallID() }
