// Package bandwidth is the carrierkit adapter for Bandwidth's Voice API v2,
// a carrier that is not Twilio-shaped.
//
// It authenticates with HTTP Basic (API username and password) and updates
// a conference member with
// PUT {root}/accounts/{accountId}/conferences/{conferenceId}/members/{callId}
// and a JSON body of only the fields set among mute, hold and
// callIdsToCoach. Bandwidth answers 204 with no body, so the adapter reads
// the member back with GET on the same path (getConferenceMember).
//
// Members carry mute, hold and coaching only: the other fields are refused
// with participant.ErrUnsupported before anything is sent. A member is
// addressed by its call id; there are no labels. Coaching maps to
// callIdsToCoach:
//
//	Coaching=true, CallToCoach=c-…   callIdsToCoach: ["c-…"]
//	CallToCoach=c-… alone            callIdsToCoach: ["c-…"] (coach that call, as on Twilio)
//	Coaching=false                   callIdsToCoach: [] (stop coaching)
//	Coaching=false with CallToCoach  refused (ErrInvalidArgument): the list is either the calls to coach or empty
//	Coaching=true alone              refused by participant.Validate (it needs CallToCoach)
//
// The member resource has no status, label or dates: Status is
// StatusUnknown, Created/Updated are zero, AccountID is the account the
// request was sent to. Error bodies are {type, description, id}: the type is
// the VendorCode; the neutral code comes from the HTTP status (Bandwidth
// documents no finer codes); a 429's Retry-After is honoured.
//
// List reads the conference (getConference, GET …/conferences/{conferenceId})
// and yields its activeMembers, all at once: there is no paging
// (ListOptions.PageSize is ignored) and no server-side filter (Muted, Hold
// and Coaching are applied as the members are read). An unknown conference
// gives participant.ErrNotFound; an empty one yields nothing. Bandwidth
// cannot remove a member (it leaves when its call does or its BXML moves
// on): Capabilities leave out OpRemove and Remove fails with
// ErrUnsupported. Client.As supports **http.Client and **httpdriver.Driver.
package bandwidth

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the adapter's provider name.
const Name = "bandwidth"

// DefaultBaseURL is the API root (the part before /accounts).
const DefaultBaseURL = "https://voice.bandwidth.com/api/v2"

// Config configures the adapter (New). Printing it with any fmt verb, or marshalling
// it to JSON, never shows Password.
type Config struct {
	// AccountID (digits, e.g. 9900000) is the default account of refs that
	// leave Ref.Account empty.
	AccountID string
	// Username and Password are the API credentials.
	Username string
	Password string `json:"-"`
	// BaseURL overrides the API root (the part before /accounts), for tests
	// and Bandwidth-compatible hosts. Default DefaultBaseURL.
	BaseURL string

	driver.Options
}

// Format prints c with its secret redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	spec.FormatRedacted(f, verb, plain(c), "Config")
}

// The id rules, as Bandwidth documents its ids.
const (
	ruleAccount    = "must be a Bandwidth account id: digits, e.g. 9900000"
	ruleConference = "must be a Bandwidth conference id: conf- followed by hex digits and dashes"
	ruleCall       = "must be a Bandwidth call id: c- followed by hex digits and dashes"
)

// New checks cfg by the Settings table and returns the portable client
// over the Bandwidth driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	if err := spec.CheckConfig(cfg); err != nil {
		return nil, err
	}
	base := cmp.Or(cfg.BaseURL, DefaultBaseURL)
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Basic(base, cfg.AccountID, cfg.Username, cfg.Password, cfg.Options))), nil
}

// IsAccountID reports whether s is a Bandwidth account id: digits.
func IsAccountID(s string) bool { return httpdriver.IsDigits(s) }

// IsConferenceID reports whether s has the shape of a Bandwidth conference
// id: "conf-" and hex digits and dashes.
func IsConferenceID(s string) bool { return isID(s, "conf-") }

// IsCallID reports whether s has the shape of a Bandwidth call id: "c-" and
// hex digits and dashes.
func IsCallID(s string) bool { return isID(s, "c-") }

func isID(s, prefix string) bool {
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return false
	}
	for i := len(prefix); i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

// APIError is Bandwidth's error body (voiceApiError). errors.As reaches it
// from the *participant.Error an update returns.
type APIError struct {
	Type        string  `json:"type"`
	Description string  `json:"description"`
	ID          *string `json:"id"`
}

// Error returns the error's type and description.
func (e *APIError) Error() string { return "bandwidth error " + e.Type + ": " + e.Description }

var (
	memberPath     = httpdriver.MustPath("/accounts/{account}/conferences/{conference}/members/{call}")
	conferencePath = httpdriver.MustPath("/accounts/{account}/conferences/{conference}")
)

var dialect = httpdriver.Dialect{
	Provider: Name,
	Labels:   false,
	Omits:    participant.Omits{Status: true, Times: true},
	Wire: map[participant.Field]string{
		participant.FieldMuted:       "mute",
		participant.FieldHold:        "hold",
		participant.FieldCoaching:    "callIdsToCoach",
		participant.FieldCallToCoach: "callIdsToCoach",
	},
	Update: &httpdriver.Operation{Method: http.MethodPut, Path: memberPath, Body: httpdriver.JSONBody,
		Encode: encodeUpdate, NoContent: true},
	Fetch: &httpdriver.Operation{Method: http.MethodGet, Path: memberPath, Decode: decodeMember},
	List: &httpdriver.Operation{Method: http.MethodGet, Path: conferencePath, Decode: decodeMember,
		DecodePage: decodeConference},
	Check: func(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
		if field, rule := ids.Check(account, ref, req); field != "" || req.CallToCoach == nil || req.Coaching == nil || *req.Coaching {
			return field, rule
		}
		return "CallToCoach", "cannot be set with Coaching=false: Bandwidth's callIdsToCoach is either the calls to coach or empty"
	},
	DecodeError: httpdriver.JSONError(func(e *APIError) (string, string) { return e.Type, e.Description }),
}

var ids = httpdriver.IDs{Account: httpdriver.IDRule{OK: IsAccountID, Rule: ruleAccount},
	Conference:  httpdriver.IDRule{OK: IsConferenceID, Rule: ruleConference},
	Call:        httpdriver.IDRule{OK: IsCallID, Rule: ruleCall + " (Bandwidth has no participant labels)"},
	CallToCoach: httpdriver.IDRule{OK: IsCallID, Rule: ruleCall}}

// memberUpdate is the spec's updateConferenceMember: only the fields set.
type memberUpdate struct {
	Mute           *bool     `json:"mute,omitempty"`
	Hold           *bool     `json:"hold,omitempty"`
	CallIDsToCoach *[]string `json:"callIdsToCoach,omitempty"`
}

// encodeUpdate builds the JSON body (see the package comment for coaching).
func encodeUpdate(req *participant.UpdateRequest) ([]byte, error) {
	body := memberUpdate{Mute: req.Muted, Hold: req.Hold}
	switch {
	case req.CallToCoach != nil: // Coaching is nil or true (Check refuses false)
		body.CallIDsToCoach = &[]string{*req.CallToCoach}
	case req.Coaching != nil: // false (true needs CallToCoach)
		body.CallIDsToCoach = &[]string{}
	}
	return json.Marshal(body)
}

// decodeMember decodes the spec's conferenceMember.
func decodeMember(body []byte) (*participant.Participant, error) {
	var m struct {
		CallID         string   `json:"callId"`
		ConferenceID   string   `json:"conferenceId"`
		Mute           bool     `json:"mute"`
		Hold           bool     `json:"hold"`
		CallIDsToCoach []string `json:"callIdsToCoach"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	p := &participant.Participant{CallID: m.CallID, ConferenceID: m.ConferenceID, Muted: m.Mute, Hold: m.Hold,
		Coaching: len(m.CallIDsToCoach) > 0, Status: participant.StatusUnknown}
	if p.Coaching {
		p.CallToCoach = m.CallIDsToCoach[0]
	}
	return p, nil
}

// decodeConference splits getConference's conference into its
// activeMembers: one page, linking to no other. Null or absent
// activeMembers (the spec makes them nullable) is nobody; a body without
// the conference's id is not a conference.
func decodeConference(body []byte) (httpdriver.Page, error) {
	var c struct {
		ID            string            `json:"id"`
		ActiveMembers []json.RawMessage `json:"activeMembers"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return httpdriver.Page{}, err
	}
	if c.ID == "" {
		return httpdriver.Page{}, errors.New("no conference id in the answer")
	}
	return httpdriver.Page{Items: c.ActiveMembers}, nil
}
