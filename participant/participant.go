package participant

import (
	"context"
	"encoding/json"
	"iter"
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

// Updater updates live conference participants on one carrier. Adapters are
// safe for concurrent use.
type Updater interface {
	// Update applies req to the participant ref and returns the participant
	// as the carrier reports it afterwards. An invalid or unsupported
	// request fails with nothing sent.
	Update(ctx context.Context, ref Ref, req UpdateRequest) (*Participant, error)
	// Capabilities reports what the adapter can carry.
	Capabilities() Capabilities
}

// Fetcher is implemented by adapters that can read a participant. Use
// [Fetch], which reports [ErrUnsupported] for adapters that cannot.
type Fetcher interface {
	Fetch(ctx context.Context, ref Ref) (*Participant, error)
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

// Lister is implemented by adapters that can list a conference's
// participants. Use [List], which also checks Capabilities.
type Lister interface {
	// List returns the participants of conf page by page. Stopping the
	// iteration early fetches no further page. An error ends the sequence.
	List(ctx context.Context, conf ConferenceRef, opts ListOptions) iter.Seq2[*Participant, error]
}

// Remover is implemented by adapters that can take a participant out of
// its conference. Use [Remove], which also checks Capabilities.
type Remover interface {
	// Remove takes ref out of its conference. A participant who is already
	// gone gives ErrNotFound.
	Remove(ctx context.Context, ref Ref) error
}

// RefChecker is implemented by adapters that can tell, without sending
// anything, whether a ref has the shapes of their carrier's ids. A router
// uses it to find the carrier that owns a call.
type RefChecker interface {
	// CheckRef returns nil when ref fits the carrier's id rules, or an
	// *Error with CodeInvalidArgument naming the field that does not.
	CheckRef(ref Ref) error
}

// Fetch reads the participant ref through u, or fails with ErrUnsupported
// if u does not implement Fetcher or its carrier cannot fetch.
func Fetch(ctx context.Context, u Updater, ref Ref) (*Participant, error) {
	f, ok := u.(Fetcher)
	if !ok || !u.Capabilities().Can(OpFetch) {
		return nil, unsupportedOp(u, OpFetch)
	}
	return f.Fetch(ctx, ref)
}

// List lists the participants of conf through u, or yields one
// ErrUnsupported error if u or its carrier cannot list.
func List(ctx context.Context, u Updater, conf ConferenceRef, opts ListOptions) iter.Seq2[*Participant, error] {
	l, ok := u.(Lister)
	if !ok || !u.Capabilities().Can(OpList) {
		err := unsupportedOp(u, OpList)
		return func(yield func(*Participant, error) bool) { yield(nil, err) }
	}
	return l.List(ctx, conf, opts)
}

// Remove takes ref out of its conference through u, or fails with
// ErrUnsupported if u or its carrier cannot.
func Remove(ctx context.Context, u Updater, ref Ref) error {
	r, ok := u.(Remover)
	if !ok || !u.Capabilities().Can(OpRemove) {
		return unsupportedOp(u, OpRemove)
	}
	return r.Remove(ctx, ref)
}

func unsupportedOp(u Updater, o Op) *Error {
	p := u.Capabilities().Provider
	return &Error{Code: CodeUnsupported, Provider: p, Op: o, Delivery: DeliveryNotSent,
		Message: "the " + p + " adapter cannot " + o.String() + " participants"}
}
