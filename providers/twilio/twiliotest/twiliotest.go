// Package twiliotest is an in-memory fake of Twilio's conference participant
// resource (API 2010-04-01), for tests and emulators.
//
// It serves GET, POST and DELETE (204; 404 once gone) on
// /2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants/{CallSid or label}.json
// and the list GET …/Participants.json (ListParticipant: PageSize 1–1000,
// default 50; Page; PageToken; filters Muted, Hold, Coaching; the paging
// envelope with next_page_uri, null on the last page; 404 for a conference
// it does not know); point a client (or twilio-go) at the test server's URL.
// Server.SetLoad adds latency and a per-account concurrency limit answered
// 429 code 20429. Errors are Twilio's
// {"code":int,"message","more_info","status"}. Choices where Twilio's docs are
// silent, or where the fake is stricter than Twilio:
//   - Auth is HTTP Basic (scheme case-insensitive): AccountSID:AuthToken, or an
//     API key SID:secret acting for AccountSID. Bad or missing credentials:
//     401 code 20003 "Authenticate", WWW-Authenticate: Basic realm="Twilio API".
//     Valid credentials on another account's path: 403 code 20003 "Permission
//     Denied" (the 20003 page lists using the wrong account as a cause).
//   - Methods must be "GET" or "POST" in upper case (the spec enum): 400 code
//     21209 (Twilio's "Invalid Method"). URLs must be absolute http(s): 400
//     code 21205 ("Invalid URL"); WaitUrl= (empty) is allowed and clears it.
//   - Booleans must be exactly "true" or "false". The spec says other Muted
//     values read as false; the fake rejects them to catch client bugs.
//   - CallSidToCoach must match ^CA[0-9a-fA-F]{32}$, and Coaching=true needs
//     one. These, bad booleans and bad form encoding give 400 with code 400
//     (the error dictionary's generic "Bad Request"; no finer code was found).
//   - A POST body that is not form-urlencoded gives 415 code 415 (invented:
//     Twilio has no such code); an empty body is a no-op update. Other
//     methods give 405 code 20004. A bad list parameter gives 400 code 400. Unknown paths and participants: 404 code
//     20404 "The requested resource {path} was not found". A body over 1 MiB
//     gives 413 code 413 (invented, like 415) and changes nothing.
//
// Fault codes default by status: 401 20003, 403 20403, 404 20404, 405 20004,
// 429 20429, 500 20500, 503 20503, else the status itself.
package twiliotest

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strconv"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	neutral "github.com/carrierkit/carrierkit/participant"
)

// PathPrefix is the root of Twilio's 2010 API.
const PathPrefix = "/2010-04-01"

// The fakes' shared public types: records, the fault model and the server.
type (
	Participant = record.Participant
	Request     = record.Request
	Fault       = fault.Fault
	Server      = fake.Server
	Load        = fault.Load
)

// Config holds the credentials the fake accepts. The optional fields
// serve a Twilio-compatible host (such as SignalWire) with the same engine:
// its root, the fields it takes and its call ids.
type Config struct {
	AccountSID, AuthToken string
	APIKeys               map[string]string // API key SID (SK...) -> secret

	// Root is the path before /2010-04-01 ("" for Twilio, "/api/laml" for
	// SignalWire).
	Root string
	// Fields are the update form fields the host knows (default all of
	// vendorfake.UpdateFields); others are ignored.
	Fields []string
	// ValidCallID checks a CallSidToCoach value (default a CA… SID), and
	// NewCallID makes call ids for Seed (default NewCallSID).
	ValidCallID func(string) bool
	NewCallID   func() string
	// Realm is the WWW-Authenticate realm (default "Twilio API").
	Realm string
}

// New returns a fake Twilio speaking for cfg.
func New(cfg Config) *Server {
	cfg.APIKeys = maps.Clone(cfg.APIKeys)
	prefix := cfg.Root + PathPrefix
	if cfg.Fields == nil {
		cfg.Fields = vendorfake.UpdateFields()
	}
	if cfg.ValidCallID == nil {
		cfg.ValidCallID = callSIDPattern.MatchString
	}
	if cfg.NewCallID == nil {
		cfg.NewCallID = NewCallSID
	}
	if cfg.Realm == "" {
		cfg.Realm = "Twilio API"
	}
	return vendorfake.Public(vendorfake.NewServer(&vendorfake.Dialect{
		PathPrefix:        prefix,
		PathSuffix:        ".json",
		Fields:            cfg.Fields,
		AllowEmptyWaitURL: true,
		ValidCallID:       cfg.ValidCallID,
		NewCallID:         cfg.NewCallID,
		Challenge:         `Basic realm="` + cfg.Realm + `"`,
		Authenticate:      cfg.authenticate,
		Describe:          describe,
		StatusCodes:       map[int]string{403: "20403", 405: "20004", 429: "20429", 500: "20500", 503: "20503"},
		ErrorBody:         errorBody,
		Resource:          func(p vendorfake.Participant) any { return resource(prefix, p) },
		Page:              page,
		DefaultPageSize:   50,
		MaxPageSize:       1000,
		ListFilters:       []string{vendorfake.FieldMuted, vendorfake.FieldHold, vendorfake.FieldCoaching},
	})).(*Server)
}

// NewAccountSID returns a random account SID ("AC" + 32 hex).
func NewAccountSID() string { return vendorfake.HexID("AC") }

// NewConferenceSID returns a random conference SID ("CF" + 32 hex).
func NewConferenceSID() string { return vendorfake.HexID("CF") }

// NewCallSID returns a random call SID ("CA" + 32 hex).
func NewCallSID() string { return vendorfake.HexID("CA") }

var callSIDPattern = regexp.MustCompile(`^CA[0-9a-fA-F]{32}$`)

func (c Config) authenticate(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	switch {
	case !ok || pass == "":
		return "", false
	case user == c.AccountSID && pass == c.AuthToken:
		return c.AccountSID, true
	case c.APIKeys[user] == pass:
		return c.AccountSID, true
	}
	return "", false
}

func describe(p vendorfake.Problem) vendorfake.Error {
	bad := func(code int, msg string, args ...any) vendorfake.Error {
		return vendorfake.Error{Status: http.StatusBadRequest, Code: strconv.Itoa(code), Title: fmt.Sprintf(msg, args...)}
	}
	switch p.Kind {
	case vendorfake.Unauthorized:
		return vendorfake.Error{Status: http.StatusUnauthorized, Code: "20003", Title: "Authenticate"}
	case vendorfake.Forbidden:
		return vendorfake.Error{Status: http.StatusForbidden, Code: "20003", Title: "Permission Denied"}
	case vendorfake.NotFound:
		return vendorfake.Error{Status: http.StatusNotFound, Code: "20404", Title: "The requested resource " + p.Path + " was not found"}
	case vendorfake.BadForm:
		return bad(400, "Bad Request: the body is not valid form encoding")
	case vendorfake.InvalidBool:
		return bad(400, "%s must be true or false, got %q", p.Field, p.Value)
	case vendorfake.InvalidMethod:
		return bad(21209, "%s must be GET or POST, got %q", p.Field, p.Value)
	case vendorfake.InvalidURL:
		return bad(21205, "%s is not a valid URL: %q", p.Field, p.Value)
	case vendorfake.InvalidCallID:
		return bad(400, "%s is not a valid Call SID: %q", p.Field, p.Value)
	case vendorfake.MissingCallID:
		return bad(400, "CallSidToCoach is required when Coaching is true")
	case vendorfake.InvalidQuery:
		return bad(400, "Invalid %s: %q", p.Field, p.Value)
	}
	return vendorfake.Error{}
}

// apiError is Twilio's error body; code is a JSON integer.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	Detail   string `json:"detail,omitempty"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// errorBody renders e; a non-numeric Code renders as 0.
func errorBody(e vendorfake.Error) any {
	code, _ := strconv.Atoi(e.Code)
	return apiError{
		Code:     code,
		Message:  e.Title,
		Detail:   e.Detail,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		Status:   e.Status,
	}
}

// resourceJSON is schema api.v2010.account.conference.participant.
type resourceJSON struct {
	AccountSID             string  `json:"account_sid"`
	CallSID                string  `json:"call_sid"`
	Label                  *string `json:"label"`
	ConferenceSID          string  `json:"conference_sid"`
	DateCreated            string  `json:"date_created"`
	DateUpdated            string  `json:"date_updated"`
	EndConferenceOnExit    bool    `json:"end_conference_on_exit"`
	Muted                  bool    `json:"muted"`
	Hold                   bool    `json:"hold"`
	Status                 string  `json:"status"`
	StartConferenceOnEnter bool    `json:"start_conference_on_enter"`
	Coaching               bool    `json:"coaching"`
	CallSIDToCoach         *string `json:"call_sid_to_coach"`
	QueueTime              *string `json:"queue_time"`
	URI                    string  `json:"uri"`
}

func resource(prefix string, p vendorfake.Participant) any {
	return resourceJSON{
		AccountSID:             p.Account,
		CallSID:                p.CallID,
		Label:                  nullable(p.Label),
		ConferenceSID:          p.Conference,
		DateCreated:            vendorfake.FormatDate(p.Created),
		DateUpdated:            vendorfake.FormatDate(p.Updated),
		EndConferenceOnExit:    p.EndConferenceOnExit,
		Muted:                  p.Muted,
		Hold:                   p.Hold,
		Status:                 p.Status,
		StartConferenceOnEnter: p.StartConferenceOnEnter,
		Coaching:               p.Coaching,
		CallSIDToCoach:         nullable(p.CallToCoach),
		URI:                    vendorfake.ResourceURI(prefix, p, ".json"),
	}
}

// listPage is ListParticipantResponse: the paging envelope twilio-go and
// the Node SDK read (next_page_uri relative to the API host, null on the
// last page).
type listPage struct {
	FirstPageURI    string  `json:"first_page_uri"`
	End             int     `json:"end"`
	PreviousPageURI *string `json:"previous_page_uri"`
	URI             string  `json:"uri"`
	PageSize        int     `json:"page_size"`
	Start           int     `json:"start"`
	NextPageURI     *string `json:"next_page_uri"`
	Page            int     `json:"page"`
	Participants    []any   `json:"participants"`
}

func page(p vendorfake.Page) any {
	return listPage{FirstPageURI: p.FirstPageURI, End: p.End, PreviousPageURI: nullable(p.PrevPageURI), URI: p.URI,
		PageSize: p.PageSize, Start: p.Start, NextPageURI: nullable(p.NextPageURI), Page: p.Page, Participants: p.Participants}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// FormNames returns the form names Twilio documents for UpdateParticipant
// (twilio_api_v2010.json), less except: the wire contract a conformance
// harness states for Twilio and for Twilio-compatible APIs (Telnyx TeXML has
// no WaitMethod). They are the vendorfake field names the fake parses.
func FormNames(except ...neutral.Field) map[neutral.Field]string {
	m := map[neutral.Field]string{
		neutral.FieldMuted: vendorfake.FieldMuted, neutral.FieldHold: vendorfake.FieldHold,
		neutral.FieldHoldURL: vendorfake.FieldHoldURL, neutral.FieldHoldMethod: vendorfake.FieldHoldMethod,
		neutral.FieldAnnounceURL: vendorfake.FieldAnnounceURL, neutral.FieldAnnounceMethod: vendorfake.FieldAnnounceMethod,
		neutral.FieldWaitURL: vendorfake.FieldWaitURL, neutral.FieldWaitMethod: vendorfake.FieldWaitMethod,
		neutral.FieldBeepOnExit: vendorfake.FieldBeepOnExit, neutral.FieldEndConferenceOnExit: vendorfake.FieldEndConferenceOnExit,
		neutral.FieldCoaching: vendorfake.FieldCoaching, neutral.FieldCallToCoach: vendorfake.FieldCallSidToCoach,
	}
	for _, f := range except {
		delete(m, f)
	}
	return m
}
