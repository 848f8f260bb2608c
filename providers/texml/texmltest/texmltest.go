// Package texmltest is an in-memory fake of Telnyx's TeXML conference
// participant resource, for tests and emulators.
//
// It serves GET, POST and DELETE (204; 404 once gone) on
// /v2/texml/Accounts/{account_sid}/Conferences/{conference_sid}/Participants/{call_sid_or_participant_label}
// (no ".json"; a client's base URL is the test server's URL + "/v2") and
// the list GET …/Participants (GetTexmlConferenceParticipants: the spec's
// ParticipantResourceIndex, 20 a page by default; PageSize, Page and
// PageToken as on TeXML's other list operations; next_page_uri, relative to
// the host and left out on the last page; 404 for an unknown conference).
// Server.SetLoad adds latency and a per-account concurrency limit answered
// 429 code 10011 with x-ratelimit-limit, -remaining and -reset headers.
// Choices where Telnyx's spec is silent or the fake is stricter:
//   - Auth is "Authorization: Bearer <APIKey>" (scheme case-insensitive). Bad
//     or missing credentials give 401 code "10009" "Authentication failed"
//     (the spec's UnauthorizedResponse) with WWW-Authenticate: Bearer. The key
//     may act for any account in the path.
//   - The participant segment may also end in ".json" (the resource's uri
//     does); the segment is first tried as is.
//   - Errors use the spec's ErrorResponse shape, code a JSON string. Unknown
//     paths or participants: 404 "10005" "Resource not found".
//   - Validation errors are 422 (the spec's call-scripting
//     UnprocessableEntity): booleans not exactly "true"/"false" give "10026"
//     "Invalid parameter type"; methods not exactly "GET"/"POST" give "10032"
//     "Invalid enumerated value"; URLs that are not absolute http(s) and an
//     empty CallSidToCoach give "10015" (an empty WaitUrl turns wait music
//     off, as on Twilio: the spec sets no format on it); Coaching=true
//     without CallSidToCoach and an empty body (the spec requires one) give
//     "10004" "Missing required parameter". source.pointer names the field.
//   - WaitMethod is not a Telnyx field: it is ignored (but recorded).
//   - A non-form POST body gives 415, a body over 1 MiB 413 (changing
//     nothing), and other methods 405, with the code set to the status, as
//     the spec's FrameworkError describes.
//
// Fault codes default by status: 401 "10009", 404 "10005", 500 and 503
// "10007", else the status itself.
package texmltest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// PathPrefix is the root of the TeXML REST API.
const PathPrefix = "/v2/texml"

// The fakes' shared public types: records, the fault model and the server.
type (
	Participant = record.Participant
	Request     = record.Request
	Fault       = fault.Fault
	Server      = fake.Server
	Load        = fault.Load
)

// Config holds the API key the fake accepts.
type Config struct {
	APIKey string
}

// New returns a fake Telnyx TeXML API accepting cfg.APIKey.
func New(cfg Config) *Server {
	return vendorfake.Public(vendorfake.NewServer(&vendorfake.Dialect{
		PathPrefix:     PathPrefix,
		PathSuffix:     ".json",
		SuffixOptional: true,
		Fields:         vendorfake.UpdateFields(vendorfake.FieldWaitMethod),
		RequireBody:    true,
		// The spec sets no format on WaitUrl; like Twilio, "" turns wait music off.
		AllowEmptyWaitURL: true,
		ValidCallID:       func(s string) bool { return s != "" },
		NewCallID:         NewCallID,
		Challenge:         "Bearer",
		Authenticate:      cfg.authenticate,
		Describe:          describe,
		StatusCodes:       map[int]string{429: "10011", 500: "10007", 503: "10007"},
		ErrorBody:         errorBody,
		Resource:          resource,
		Page:              page,
		DefaultPageSize:   20,
		MaxPageSize:       1000,
		RateLimitHeaders:  rateLimitHeaders,
	})).(*Server)
}

// rateLimitHeaders are the x-ratelimit-* headers Telnyx sends with 10011.
func rateLimitHeaders(h http.Header, limit int) {
	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", "0")
	h.Set("x-ratelimit-reset", "1")
}

// listPage is the spec's ParticipantResourceIndex; next_page_uri, relative
// to the API host, is left out on the last page.
type listPage struct {
	End          int    `json:"end"`
	FirstPageURI string `json:"first_page_uri"`
	NextPageURI  string `json:"next_page_uri,omitempty"`
	Page         int    `json:"page"`
	PageSize     int    `json:"page_size"`
	Participants []any  `json:"participants"`
	Start        int    `json:"start"`
	URI          string `json:"uri"`
}

func page(p vendorfake.Page) any {
	return listPage{End: p.End, FirstPageURI: p.FirstPageURI, NextPageURI: p.NextPageURI, Page: p.Page,
		PageSize: p.PageSize, Participants: p.Participants, Start: p.Start, URI: p.URI}
}

// NewAccountID returns a random account id (a UUID, as Telnyx uses).
func NewAccountID() string { return vendorfake.UUID() }

// NewConferenceID returns a random conference id (a UUID).
func NewConferenceID() string { return vendorfake.UUID() }

// NewCallID returns a random call id shaped like Telnyx's: "v3:" and 54
// URL-safe characters.
func NewCallID() string { return vendorfake.Token("v3:", 40) }

func (c Config) authenticate(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return "", ok && strings.EqualFold(scheme, "Bearer") && c.APIKey != "" && token == c.APIKey
}

func describe(p vendorfake.Problem) vendorfake.Error {
	invalid := func(code, title, detail string, args ...any) vendorfake.Error {
		return vendorfake.Error{Status: http.StatusUnprocessableEntity, Code: code, Title: title,
			Detail: fmt.Sprintf(detail, args...), Pointer: "/" + p.Field}
	}
	switch p.Kind {
	case vendorfake.Unauthorized:
		return vendorfake.Error{Status: http.StatusUnauthorized, Code: "10009", Title: "Authentication failed",
			Detail: "The required authentication headers were either invalid or not included in the request."}
	case vendorfake.NotFound:
		return vendorfake.Error{Status: http.StatusNotFound, Code: "10005", Title: "Resource not found",
			Detail: "The requested resource or URL could not be found."}
	case vendorfake.MissingBody:
		return invalid("10004", "Missing required parameter", "The request body is required.")
	case vendorfake.BadForm:
		return vendorfake.Error{Status: http.StatusBadRequest, Code: "10015", Title: "Bad Request",
			Detail: "The request body is not valid form encoding."}
	case vendorfake.InvalidBool:
		return invalid("10026", "Invalid parameter type", "The '%s' parameter must be of type 'boolean'", p.Field)
	case vendorfake.InvalidMethod:
		return invalid("10032", "Invalid enumerated value", "%s must be one of GET, POST", p.Field)
	case vendorfake.InvalidURL:
		return invalid("10015", "Invalid value for "+p.Field, "%s must be an absolute http(s) URL, got %q", p.Field, p.Value)
	case vendorfake.InvalidCallID:
		return invalid("10015", "Invalid value for "+p.Field, "Can't be blank: %s", p.Field)
	case vendorfake.MissingCallID:
		return invalid("10004", "Missing required parameter", "Can't be blank: %s", p.Field)
	case vendorfake.InvalidQuery:
		return vendorfake.Error{Status: http.StatusBadRequest, Code: "10015", Title: "Invalid value for " + p.Field,
			Detail: fmt.Sprintf("%s is out of range: %q", p.Field, p.Value), Pointer: "/" + p.Field}
	case vendorfake.RateLimited:
		return vendorfake.Error{Status: http.StatusTooManyRequests, Code: "10011", Title: "Too many requests",
			Detail: "The rate limit for this account was exceeded."}
	}
	return vendorfake.Error{}
}

// apiError is one entry of the spec's ErrorResponse; code is a JSON string.
type apiError struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Source *struct {
		Pointer string `json:"pointer"`
	} `json:"source,omitempty"`
	Meta *struct {
		URL string `json:"url"`
	} `json:"meta,omitempty"`
}

// errorBody renders e; detail defaults to the title, and Telnyx codes (five
// digits) get a meta.url to their docs page.
func errorBody(e vendorfake.Error) any {
	a := apiError{Code: e.Code, Title: e.Title, Detail: e.Detail}
	if a.Detail == "" {
		a.Detail = a.Title
	}
	if e.Pointer != "" {
		a.Source = &struct {
			Pointer string `json:"pointer"`
		}{e.Pointer}
	}
	if len(e.Code) == 5 {
		a.Meta = &struct {
			URL string `json:"url"`
		}{"https://developers.telnyx.com/docs/overview/errors/" + e.Code}
	}
	return map[string][]apiError{"errors": {a}}
}

// participant is the spec's ParticipantResource.
type participant struct {
	AccountSID            string `json:"account_sid"`
	APIVersion            string `json:"api_version"`
	CallSID               string `json:"call_sid"`
	CallSIDLegacy         string `json:"call_sid_legacy"`
	Coaching              bool   `json:"coaching"`
	CoachingCallSID       string `json:"coaching_call_sid,omitempty"`
	CoachingCallSIDLegacy string `json:"coaching_call_sid_legacy,omitempty"`
	ConferenceSID         string `json:"conference_sid"`
	DateCreated           string `json:"date_created"`
	DateUpdated           string `json:"date_updated"`
	EndConferenceOnExit   bool   `json:"end_conference_on_exit"`
	Hold                  bool   `json:"hold"`
	Muted                 bool   `json:"muted"`
	Status                string `json:"status"`
	URI                   string `json:"uri"`
}

func resource(p vendorfake.Participant) any {
	return participant{
		AccountSID:            p.Account,
		APIVersion:            "v2/texml",
		CallSID:               p.CallID,
		CallSIDLegacy:         p.CallID,
		Coaching:              p.Coaching,
		CoachingCallSID:       p.CallToCoach,
		CoachingCallSIDLegacy: p.CallToCoach,
		ConferenceSID:         p.Conference,
		DateCreated:           vendorfake.FormatDate(p.Created),
		DateUpdated:           vendorfake.FormatDate(p.Updated),
		EndConferenceOnExit:   p.EndConferenceOnExit,
		Hold:                  p.Hold,
		Muted:                 p.Muted,
		Status:                p.Status,
		URI:                   vendorfake.ResourceURI(PathPrefix, p, ".json"),
	}
}
