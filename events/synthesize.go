package events

import (
	"time"

	"github.com/carrierkit/carrierkit/participant"
)

// Synthesize returns the events an update implies, for an app that wants
// mute and hold events on a carrier that sends none (Bandwidth, TeXML).
// Call it only after the update succeeded. Every event is marked
// Synthesized: it says what the app asked and the carrier accepted, not
// what the carrier reported, and it has no sequence number. State holds
// only the fields the update set. at is when the update succeeded.
//
// An announcement yields nothing: only the carrier knows when it ended.
func Synthesize(provider string, ref participant.Ref, req participant.UpdateRequest, at time.Time) []Event {
	base := Event{Carrier: carrierOf(provider), Provider: provider, Account: ref.Account, Conference: ref.Conference,
		Call: ref.Call, Time: at, Synthesized: true,
		State: State{Muted: req.Muted, Hold: req.Hold, Coaching: req.Coaching, EndConferenceOnExit: req.EndConferenceOnExit}}
	var out []Event
	add := func(t Type) {
		ev := base
		ev.Type = t
		out = append(out, ev)
	}
	if req.Muted != nil {
		add(map[bool]Type{true: ParticipantMuted, false: ParticipantUnmuted}[*req.Muted])
	}
	if req.Hold != nil {
		add(map[bool]Type{true: ParticipantHeld, false: ParticipantUnheld}[*req.Hold])
	}
	if req.BeepOnExit != nil || req.EndConferenceOnExit != nil || req.Coaching != nil || req.WaitURL != nil {
		add(ParticipantModified)
	}
	return out
}

func carrierOf(provider string) string {
	if provider == ProviderTeXML {
		return CarrierTelnyx
	}
	return provider
}
