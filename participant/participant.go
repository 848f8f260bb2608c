package participant

import (
	"context"
	"encoding/json"
	"time"
)

// Ref names one participant of one conference.
type Ref struct {
	// Carrier names the carrier that owns the call, for an Updater that
	// serves several (a router). Adapters of one carrier ignore it.
	Carrier string
	// Account is the carrier account that owns the conference. When empty,
	// the adapter's configured account is used.
	Account string
	// Conference is the conference id (a Twilio CF… SID, a Telnyx UUID).
	Conference string
	// Call is the participant's call id (CA… on Twilio, v3:… on Telnyx) or
	// the label the participant was created with.
	Call string
}

// Method is the HTTP method a carrier uses to fetch a music or announcement
// URL. The zero value means "the carrier's default".
type Method string

// Methods a carrier can use to fetch TwiML/TeXML or audio.
const (
	MethodDefault Method = ""
	MethodGET     Method = "GET"
	MethodPOST    Method = "POST"
)

// UpdateRequest is a neutral participant update. Every field is optional:
// nil (or an empty Method) leaves the value as it is.
type UpdateRequest struct {
	Muted *bool
	Hold  *bool

	// HoldURL is the music or TwiML/TeXML played while on hold.
	HoldURL    *string
	HoldMethod Method

	// AnnounceURL is played to the participant once. An update that sets it
	// is not idempotent, so it is retried only where the carrier cannot have
	// acted on it.
	AnnounceURL    *string
	AnnounceMethod Method

	// WaitURL is the music played before the conference starts. A pointer
	// to "" turns the wait music off.
	WaitURL    *string
	WaitMethod Method

	BeepOnExit          *bool
	EndConferenceOnExit *bool

	// Coaching makes the participant a coach; true needs CallToCoach in
	// the same request.
	Coaching *bool
	// CallToCoach is the call id of the participant being coached.
	CallToCoach *string
}

// Idempotent reports whether sending the request twice has the same effect
// as sending it once. An announcement plays again when repeated.
func (r *UpdateRequest) Idempotent() bool { return r.AnnounceURL == nil }

// Bool returns a pointer to v, for the tri-state fields of UpdateRequest.
func Bool(v bool) *bool { return &v }

// String returns a pointer to v, for the URL and call fields of UpdateRequest.
func String(v string) *string { return &v }

// Status is the neutral participant status.
type Status string

// Participant statuses. Twilio's "complete" and Telnyx's "completed" are both
// StatusCompleted; a value neither vendor documents is StatusUnknown and
// stays readable in Participant.Raw.
const (
	StatusUnknown    Status = "unknown"
	StatusQueued     Status = "queued"
	StatusConnecting Status = "connecting"
	StatusRinging    Status = "ringing"
	StatusConnected  Status = "connected"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
)

// Participant is the neutral view of a carrier's participant resource.
type Participant struct {
	// Carrier is the configured carrier the participant was reached
	// through, set by a driver that serves several (a router); empty
	// otherwise.
	Carrier      string `json:"carrier,omitempty"`
	Provider     string `json:"provider"`
	AccountID    string `json:"account_id"`
	ConferenceID string `json:"conference_id"`
	CallID       string `json:"call_id"`
	Label        string `json:"label,omitempty"`

	Muted               bool `json:"muted"`
	Hold                bool `json:"hold"`
	Coaching            bool `json:"coaching"`
	EndConferenceOnExit bool `json:"end_conference_on_exit"`
	// StartConferenceOnEnter is nil where the carrier does not report it.
	StartConferenceOnEnter *bool  `json:"start_conference_on_enter,omitempty"`
	CallToCoach            string `json:"call_to_coach,omitempty"`

	Status Status `json:"status"`
	// Created and Updated are zero (and left out of JSON) where the carrier
	// does not report them (Bandwidth).
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`

	// Raw is the carrier's response body, for fields not mapped here.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Ref returns the ref that reaches p again through the client that
// returned it: its carrier, account, conference and call.
func (p *Participant) Ref() Ref {
	return Ref{Carrier: p.Carrier, Account: p.AccountID, Conference: p.ConferenceID, Call: p.CallID}
}

// Updater is the one operation every carrier has, and what it can carry:
// the method set that the portable carrierkit.Client has and that every
// driver implements (driver.Driver), so code that only updates can take
// either. The optional operations (fetch, list, remove) are the Client's
// methods, and driver.Fetcher, Lister and Remover on the driver side.
type Updater interface {
	// Update applies req to the participant ref and returns the participant
	// as the carrier reports it afterwards. An invalid or unsupported
	// request fails with nothing sent.
	Update(ctx context.Context, ref Ref, req UpdateRequest) (*Participant, error)
	// Capabilities reports what the adapter can carry.
	Capabilities() Capabilities
}

// ConferenceRef names one conference.
type ConferenceRef struct {
	// Carrier names the owning carrier, for a router; adapters ignore it.
	Carrier string
	// Account is the carrier account; empty means the adapter's default.
	Account string
	// Conference is the conference id.
	Conference string
}

// ConferenceRef returns the conference r's participant is in.
func (r Ref) ConferenceRef() ConferenceRef {
	return ConferenceRef{Carrier: r.Carrier, Account: r.Account, Conference: r.Conference}
}

// Participant returns the ref of call (a call id or label) in conference c.
func (c ConferenceRef) Participant(call string) Ref {
	return Ref{Carrier: c.Carrier, Account: c.Account, Conference: c.Conference, Call: call}
}

// ListOptions narrow and page a List. The zero value lists everyone with the
// carrier's default page size.
type ListOptions struct {
	// PageSize is how many participants to ask for per page (0: the
	// carrier's default). A carrier that answers everyone at once
	// (Bandwidth) ignores it: it is a paging hint, never a filter.
	PageSize int
	// Muted, Hold and Coaching, when set, keep only the participants whose
	// state matches. Carriers that filter on the server do it there.
	Muted, Hold, Coaching *bool
}
