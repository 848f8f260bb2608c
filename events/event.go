// Package events turns the conference webhooks of Twilio, Telnyx TeXML,
// SignalWire and Bandwidth into one neutral Event, after verifying that the
// carrier sent them.
//
// Each carrier has a Receiver (Twilio, SignalWire, TeXML, Bandwidth) that
// verifies a request as that carrier signs it (HMAC-SHA1 over the URL and
// sorted parameters; Ed25519 over timestamp|body; HTTP Basic) and only then
// parses it. A Handler wraps a Receiver as an http.Handler: a bounded body,
// the carrier's methods only, verification, parsing, deduplication within a
// bounded window, and one Event handed to the app. Receivers describes each
// Receiver (its provider, the secrets it is built from, how to build it) for
// tools such as carrierctl events, which name no carrier themselves.
//
// An event a carrier does not send is never invented: Bandwidth sends no
// mute or hold callback, and TeXML documents only start, end, join, leave
// and speaker. Synthesize builds events from the app's own successful
// updates, marked Synthesized, for apps that want them anyway.
package events

import "time"

// Carriers and providers. Provider is the carrierkit adapter name (the
// config and URL scheme); Carrier is the company whose servers post the
// webhook (TeXML is Telnyx's).
const (
	CarrierTwilio     = "twilio"
	CarrierTelnyx     = "telnyx"
	CarrierSignalWire = "signalwire"
	CarrierBandwidth  = "bandwidth"

	ProviderTwilio     = "twilio"
	ProviderTeXML      = "texml"
	ProviderSignalWire = "signalwire"
	ProviderBandwidth  = "bandwidth"
)

// Type is the neutral event type (events.md §1).
type Type string

// Neutral event types. Which carrier sends which is in events.md §1;
// conference.started means different things on different carriers (Twilio:
// the conference started with two participants; Bandwidth: the conference
// was created), it is not "the first participant joined".
const (
	ConferenceStarted    Type = "conference.started"
	ConferenceEnded      Type = "conference.ended"
	ParticipantJoined    Type = "participant.joined"
	ParticipantLeft      Type = "participant.left"
	ParticipantMuted     Type = "participant.muted"
	ParticipantUnmuted   Type = "participant.unmuted"
	ParticipantHeld      Type = "participant.held"
	ParticipantUnheld    Type = "participant.unheld"
	ParticipantModified  Type = "participant.modified"
	SpeechStarted        Type = "participant.speech.started"
	SpeechStopped        Type = "participant.speech.stopped"
	AnnouncementEnded    Type = "announcement.ended"
	AnnouncementFailed   Type = "announcement.failed"
	ConferenceRedirected Type = "conference.redirected"
	RecordingAvailable   Type = "conference.recording.available"
)

// State is the participant state a carrier reported with an event. Each
// field is tri-state: nil means the carrier did not say (Bandwidth never
// does; TeXML sends none of them).
type State struct {
	Muted                  *bool `json:"muted,omitempty"`
	Hold                   *bool `json:"hold,omitempty"`
	Coaching               *bool `json:"coaching,omitempty"`
	EndConferenceOnExit    *bool `json:"end_conference_on_exit,omitempty"`
	StartConferenceOnEnter *bool `json:"start_conference_on_enter,omitempty"`
}

// Event is one verified conference event, in neutral terms.
type Event struct {
	// Carrier posted the event; Provider is the carrierkit adapter of the
	// same calls (TeXML: carrier telnyx, provider texml).
	Carrier  string `json:"carrier"`
	Provider string `json:"provider"`
	// Type is the neutral type; CarrierType is the carrier's own name for
	// it (participant-mute, conferenceMemberJoin).
	Type        Type   `json:"type"`
	CarrierType string `json:"carrier_type"`
	// Account is the carrier account, where the payload names it
	// (Bandwidth's member events do not).
	Account string `json:"account,omitempty"`
	// Conference is the conference id; ConferenceName its friendly name.
	Conference     string `json:"conference"`
	ConferenceName string `json:"conference_name,omitempty"`
	// Call is the participant's call id and Label its label, on
	// participant events.
	Call  string `json:"call,omitempty"`
	Label string `json:"label,omitempty"`
	// Tag is Bandwidth's conference tag.
	Tag string `json:"tag,omitempty"`
	// State is what the carrier reported of the participant.
	State State `json:"state"`
	// Time is the carrier's timestamp of the event, not the time it was
	// received (Bandwidth: "approximate").
	Time time.Time `json:"time"`
	// Sequence is the carrier's sequence number, when HasSequence (Twilio
	// and TeXML send one; SignalWire and Bandwidth do not).
	Sequence    uint64 `json:"sequence,omitempty"`
	HasSequence bool   `json:"has_sequence,omitempty"`
	// OutOfOrder is set by a Handler when a lower Sequence arrives after a
	// higher one of the same conference. The event is delivered anyway,
	// at once; the app orders by Sequence or Time if it needs to.
	OutOfOrder bool `json:"out_of_order,omitempty"`
	// EndReason is the carrier's code for why the conference ended
	// (ReasonConferenceEnded) or the participant left
	// (ReasonParticipantLeft), or why an announcement failed.
	EndReason string `json:"end_reason,omitempty"`
	// ReasonText is the carrier's free text (Twilio's Reason).
	ReasonText string `json:"reason_text,omitempty"`
	// EndedByCall and EndedByLabel name the participant whose leaving
	// ended the conference, when the carrier says.
	EndedByCall  string `json:"ended_by_call,omitempty"`
	EndedByLabel string `json:"ended_by_label,omitempty"`
	// Synthesized marks an event carrierkit built from the app's own
	// successful update (Synthesize), not one the carrier sent.
	Synthesized bool `json:"synthesized,omitempty"`
	// Raw is the payload as received: the body, or the query of a GET.
	Raw string `json:"raw,omitempty"`
}
