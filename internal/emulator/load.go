package emulator

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// GeneratedLabelPrefix starts the labels of the participants
// SeedParticipants adds: participant-3, participant-4, …
const GeneratedLabelPrefix = "participant-"

// SeedParticipants grows each vendor's demo conference to n participants
// (the demo ones first), so whole-conference commands can be rehearsed at
// size. The added participants are connected, unmuted and labelled
// GeneratedLabelPrefix and their position (from 1). n below the demo
// count, or below a size an earlier call grew to, adds none: no label is
// added twice. Not safe for concurrent use.
func (e *Emulator) SeedParticipants(n int) error {
	if n < 0 {
		return fmt.Errorf("participants: want a count >= 0, got %d", n)
	}
	for _, v := range e.vendors {
		for i := max(len(v.Participants), v.grown); i < n; i++ {
			v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: v.Conference,
				Label: GeneratedLabelPrefix + strconv.Itoa(i+1), StartConferenceOnEnter: true, Status: "connected"})
			v.grown = i + 1
		}
	}
	return nil
}

// SetLoad makes every vendor answer like a carrier under load: each
// request waits l.Latency, and one that finds l.MaxConcurrent requests of
// its account in flight gets the vendor's 429 (Twilio 20429; Telnyx 10011
// with x-ratelimit-* headers). The zero Load turns it off.
func (e *Emulator) SetLoad(l vendorfake.Load) error {
	if l.MaxConcurrent < 0 || l.Latency < 0 {
		return fmt.Errorf("load: the limit and the latency must not be negative")
	}
	for _, v := range e.vendors {
		v.Server.SetLoad(l)
	}
	return nil
}

// Stats is what GET /_emulator/stats reports per provider.
type Stats struct {
	// Throttled counts the requests the Load limit answered 429.
	Throttled int64 `json:"throttled"`
	// PeakInFlight is the most requests of one account in flight at once
	// under the Load limit (the ones answered 429 not included): what a
	// fleet of clients sharing the account held together.
	PeakInFlight int `json:"peak_in_flight"`
}

// Stats returns each vendor's counters, keyed by provider name.
func (e *Emulator) Stats() map[string]Stats {
	out := make(map[string]Stats, len(e.vendors))
	for _, v := range e.vendors {
		out[v.Name] = Stats{Throttled: v.Server.Throttled(), PeakInFlight: v.Server.PeakInFlight()}
	}
	return out
}

func (e *Emulator) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.Stats())
}

// ResetStats zeroes every vendor's counters (DELETE /_emulator/stats).
func (e *Emulator) ResetStats() {
	for _, v := range e.vendors {
		v.Server.ResetLoadStats()
	}
}
