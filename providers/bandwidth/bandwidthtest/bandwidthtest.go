// Package bandwidthtest is an in-memory fake of Bandwidth's Voice API v2
// conference member resource, for tests and emulators.
//
// It serves GET (getConferenceMember) and PUT (updateConferenceMember) on
// /api/v2/accounts/{accountId}/conferences/{conferenceId}/members/{callId}
// (a client's base URL is the test server's URL + "/api/v2"), and GET
// (getConference) on /api/v2/accounts/{accountId}/conferences/{conferenceId}.
// A PUT takes the spec's JSON updateConferenceMember and answers 204 with
// no body; GET on a member answers the conferenceMember. Choices where the
// spec is silent, or where the fake is stricter:
//   - getConference answers the spec's conference: id, name (the fake
//     knows none: the id), createdTime (when the fake first knew the
//     conference), completedTime, conferenceEventUrl and tag null, and
//     activeMembers, every member still in it, oldest first, in one answer
//     (the operation has no paging and no filters; a query is ignored). A
//     member seeded with Status "completed" has left: getConferenceMember
//     still reads it, activeMembers leaves it out. A conference with nobody
//     left answers activeMembers [] (the spec allows null too); an unknown
//     one is 404 "not-found". Other methods on the conference are 405.
//   - Auth is HTTP Basic (scheme case-insensitive) with the configured
//     username and password, acting for AccountID. Bad or missing
//     credentials: 401 type "unauthorized" with WWW-Authenticate: Basic
//     realm="Bandwidth"; another account's path: 403 "forbidden".
//   - Error bodies are the spec's voiceApiError {type, description, id}; the
//     spec's examples all say type "validation", so the types of other
//     errors are this fake's choice: "unauthorized", "forbidden",
//     "not-found", "method-not-allowed", "unsupported-media-type",
//     "request-too-large", "too-many-requests", "internal-server-error",
//     "service-unavailable". id is a random request id.
//   - The body is required (the spec says so): an empty one gives 400
//     "validation". mute and hold must be JSON booleans; callIdsToCoach
//     null or an array of call ids (c-…), else 400 "validation". Unknown
//     keys are ignored. callIdsToCoach [] stops coaching; a non-empty list
//     coaches its first call (the store keeps one). null has no effect.
//   - A body that is not application/json gives 415, other methods
//     (DELETE too: Bandwidth has no call to remove a member) 405,
//     unknown paths and members 404, a body over 1 MiB 413.
//   - There are no labels: a member is found by its call id only.
package bandwidthtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// PathPrefix is the API root the fake serves under.
const PathPrefix = "/api/v2"

// The fakes' shared public types: records, the fault model and the server.
type (
	Participant = record.Participant
	Request     = record.Request
	Fault       = fault.Fault
	Server      = fake.Server
)

// StatusLeft is the Participant.Status of a member who has left: the
// conference's activeMembers leave it out.
const StatusLeft = "completed"

// Config holds the credentials the fake accepts.
type Config struct {
	AccountID, Username, Password string
}

// New returns a fake Bandwidth Voice API accepting cfg's credentials.
func New(cfg Config) *Server {
	return vendorfake.Public(vendorfake.NewServer(&vendorfake.Dialect{
		PathPrefix:   PathPrefix,
		Collections:  [3]string{"accounts", "conferences", "members"},
		UpdateMethod: http.MethodPut,
		NoContent:    true,
		NoRemove:     true, // a member leaves when its call does
		RequireBody:  true,
		Apply:        apply,
		NewCallID:    NewCallID,
		Challenge:    `Basic realm="Bandwidth"`,
		Authenticate: cfg.authenticate,
		Describe:     describe,
		StatusCodes: map[int]string{400: "validation", 401: "unauthorized", 403: "forbidden", 404: "not-found",
			405: "method-not-allowed", 413: "request-too-large", 415: "unsupported-media-type",
			429: "too-many-requests", 500: "internal-server-error", 503: "service-unavailable"},
		ErrorBody:      errorBody,
		Resource:       resource,
		Page:           conferencePage,
		ConferenceList: true,
		Listed:         func(p Participant) bool { return p.Status != StatusLeft },
	})).(*Server)
}

// NewAccountID returns a random account id: seven digits.
func NewAccountID() string {
	n, _ := strconv.ParseUint(vendorfake.HexID("")[:12], 16, 64)
	return fmt.Sprintf("99%05d", n%100000)
}

// NewConferenceID returns a random conference id shaped like Bandwidth's:
// "conf-" and hex groups, e.g. conf-fe23a767-a75a5b77-20c5-4cca-b581-cbbf0776eca9.
func NewConferenceID() string { return "conf-" + hexGroups() }

// NewCallID returns a random call id shaped like Bandwidth's: "c-" and hex
// groups, e.g. c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85.
func NewCallID() string { return "c-" + hexGroups() }

func hexGroups() string {
	h := vendorfake.HexID("")[:8]
	return h + "-" + vendorfake.UUID()
}

func (c Config) authenticate(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok || c.Username == "" || user != c.Username || pass != c.Password {
		return "", false
	}
	return c.AccountID, true
}

func describe(p vendorfake.Problem) vendorfake.Error {
	invalid := func(format string, args ...any) vendorfake.Error {
		return vendorfake.Error{Status: http.StatusBadRequest, Code: "validation", Title: fmt.Sprintf(format, args...)}
	}
	switch p.Kind {
	case vendorfake.Unauthorized:
		return vendorfake.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Title: "Invalid credentials."}
	case vendorfake.Forbidden:
		return vendorfake.Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Access to this account is forbidden."}
	case vendorfake.NotFound:
		return vendorfake.Error{Status: http.StatusNotFound, Code: "not-found", Title: "The requested resource " + p.Path + " was not found."}
	case vendorfake.MissingBody:
		return invalid("The request body is required.")
	case vendorfake.BadForm:
		return invalid("The request body is not a JSON object.")
	case vendorfake.InvalidBool:
		return invalid("%s must be a boolean.", p.Field)
	case vendorfake.InvalidCallID:
		return invalid("%s must be null or a list of call ids, got %s.", p.Field, p.Value)
	}
	return vendorfake.Error{}
}

// apiError is the spec's voiceApiError.
type apiError struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	ID          string `json:"id"`
}

func errorBody(e vendorfake.Error) any {
	desc := e.Title
	if e.Detail != "" {
		desc += " " + e.Detail
	}
	return apiError{Type: e.Code, Description: desc, ID: vendorfake.UUID()}
}

// apply applies a JSON updateConferenceMember, all or nothing.
func apply(p vendorfake.Participant, body []byte) (vendorfake.Participant, *vendorfake.Problem) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return p, &vendorfake.Problem{Kind: vendorfake.BadForm}
	}
	for _, name := range []string{"mute", "hold"} {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		var v bool
		if json.Unmarshal(raw, &v) != nil {
			return p, &vendorfake.Problem{Kind: vendorfake.InvalidBool, Field: name, Value: string(raw)}
		}
		if name == "mute" {
			p.Muted = v
		} else {
			p.Hold = v
		}
	}
	if raw, ok := fields["callIdsToCoach"]; ok && string(raw) != "null" {
		var ids []string
		if json.Unmarshal(raw, &ids) != nil {
			return p, &vendorfake.Problem{Kind: vendorfake.InvalidCallID, Field: "callIdsToCoach", Value: string(raw)}
		}
		for _, id := range ids {
			if !strings.HasPrefix(id, "c-") || len(id) < 3 {
				return p, &vendorfake.Problem{Kind: vendorfake.InvalidCallID, Field: "callIdsToCoach", Value: string(raw)}
			}
		}
		p.Coaching, p.CallToCoach = len(ids) > 0, ""
		if p.Coaching {
			p.CallToCoach = ids[0]
		}
	}
	return p, nil
}

// member is the spec's conferenceMember.
type member struct {
	CallID         string   `json:"callId"`
	ConferenceID   string   `json:"conferenceId"`
	MemberURL      string   `json:"memberUrl"`
	Mute           bool     `json:"mute"`
	Hold           bool     `json:"hold"`
	CallIDsToCoach []string `json:"callIdsToCoach"`
}

func resource(p vendorfake.Participant) any {
	m := member{CallID: p.CallID, ConferenceID: p.Conference, Mute: p.Muted, Hold: p.Hold,
		MemberURL: "https://voice.bandwidth.com/api/v2/accounts/" + p.Account + "/conferences/" + p.Conference +
			"/members/" + p.CallID}
	if p.Coaching && p.CallToCoach != "" {
		m.CallIDsToCoach = []string{p.CallToCoach}
	}
	return m
}

// conference is the spec's conference, as getConference answers it.
type conference struct {
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	CreatedTime        string  `json:"createdTime"`
	CompletedTime      *string `json:"completedTime"`
	ConferenceEventURL *string `json:"conferenceEventUrl"`
	Tag                *string `json:"tag"`
	ActiveMembers      []any   `json:"activeMembers"`
}

func conferencePage(p vendorfake.Page) any {
	return conference{ID: p.Conference, Name: p.Conference, CreatedTime: p.Created.Format(time.RFC3339Nano),
		ActiveMembers: p.Participants}
}
