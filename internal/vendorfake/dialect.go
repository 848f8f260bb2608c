package vendorfake

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Dialect is what differs between vendors.
type Dialect struct {
	// PathPrefix is the API root, e.g. "/2010-04-01".
	PathPrefix string
	// Collections name the path's account, conference and participant
	// collections: {PathPrefix}/{Collections[0]}/{account}/{Collections[1]}/{conference}/{Collections[2]}/{call}.
	// Default Accounts, Conferences, Participants (Twilio's layout).
	Collections [3]string
	// UpdateMethod is the method of an update (default POST).
	UpdateMethod string
	// NoContent answers a successful update 204 with no body, instead of
	// 200 with the participant.
	NoContent bool
	// NoRemove: the vendor has no DELETE of a participant (405).
	NoRemove bool
	// Apply, when set, applies an update body that is JSON
	// (application/json), all or nothing, instead of the form Fields. It
	// returns the updated participant or the problem.
	Apply func(p Participant, body []byte) (Participant, *Problem)
	// PathSuffix ends the participant segment, e.g. ".json".
	PathSuffix string
	// SuffixOptional also routes the participant segment without PathSuffix,
	// trying the segment as is first.
	SuffixOptional bool
	// Fields lists the update form fields the vendor knows, in validation
	// order. Other fields are ignored.
	Fields []string
	// AllowEmptyWaitURL accepts "WaitUrl=" (Twilio: no wait music).
	AllowEmptyWaitURL bool
	// RequireBody rejects a POST with an empty body.
	RequireBody bool
	// ValidCallID reports whether a CallSidToCoach value is well formed.
	ValidCallID func(string) bool
	// NewCallID makes a call id for Seed when none is given.
	NewCallID func() string
	// Challenge is the WWW-Authenticate value sent with 401.
	Challenge string
	// Authenticate checks the credentials. account is the only account they
	// may act for ("" means any); ok is false for missing or bad credentials.
	Authenticate func(r *http.Request) (account string, ok bool)
	// Describe maps a neutral problem to the vendor's status, code and text.
	// A zero Error leaves it to the generic status rendering.
	Describe func(Problem) Error
	// StatusCodes are the vendor codes for generic errors by HTTP status
	// (injected faults, 405, 413, 415); absent statuses use the status
	// number.
	StatusCodes map[int]string
	// ErrorBody renders an Error as the vendor's JSON error body.
	ErrorBody func(Error) any
	// Resource renders a participant as the vendor's JSON resource.
	Resource func(Participant) any

	// Page renders one page of a participant list as the vendor's JSON.
	Page func(Page) any
	// ConferenceList serves the list on the conference resource itself,
	// GET {PathPrefix}/{Collections[0]}/{account}/{Collections[1]}/{conference},
	// as one page holding every listed participant (Bandwidth's
	// getConference): no paging, no filters, and any query is ignored.
	ConferenceList bool
	// Listed, when set, keeps in a list only the participants it accepts
	// (Bandwidth: the members still in the conference).
	Listed func(Participant) bool
	// DefaultPageSize and MaxPageSize bound the list's PageSize.
	DefaultPageSize, MaxPageSize int
	// ListFilters are the state filters the list takes as query
	// parameters (FieldMuted, FieldHold, FieldCoaching); others are ignored.
	ListFilters []string
	// RateLimitHeaders, when set, adds the vendor's headers to a 429 the
	// Load limit answers; limit is the per-account limit.
	RateLimitHeaders func(h http.Header, limit int)

	// Handle, when set, serves every request after the log, the Load and
	// the faults, instead of the collection routing (see verbs.go): for
	// action-verb vendors. Describe, StatusCodes, ErrorBody and Challenge
	// still render errors; NewCallID still makes ids for Seed.
	Handle Handler
	// AccountOf, with Handle, names the account a request acts for, for
	// the Load's per-account limit ("" when unknown: not limited).
	AccountOf func(r *http.Request, path string) string
}

// Kind classifies a Problem.
type Kind int

// Problem kinds.
const (
	Unauthorized         Kind = iota + 1 // missing or bad credentials
	Forbidden                            // credentials valid, account in path is not theirs
	NotFound                             // unknown path or participant
	MethodNotAllowed                     // not GET or the update method
	UnsupportedMediaType                 // update body not form-urlencoded (JSON with Apply)
	MissingBody                          // empty update body where the vendor requires one
	BadForm                              // body is not valid form encoding (or JSON, with Apply)
	InvalidBool                          // boolean field not exactly "true"/"false"
	InvalidMethod                        // method field not exactly "GET"/"POST"
	InvalidURL                           // URL field not an absolute http(s) URL
	InvalidCallID                        // CallSidToCoach malformed
	MissingCallID                        // Coaching=true with no CallSidToCoach
	Injected                             // a queued Fault with a Status
	TooLarge                             // update body over MaxBody
	RateLimited                          // over the Load's per-account limit
	InvalidQuery                         // a list query parameter out of range (Field, Value)
)

// Problem is a vendor-neutral error the dialect describes.
type Problem struct {
	Kind   Kind
	Status int    // Injected only
	Path   string // escaped request path
	Field  string // form field, for validation kinds
	Value  string // offending value, for validation kinds
}

// Error is a vendor error ready to render.
type Error struct {
	Status  int
	Code    string
	Title   string // Twilio "message", Telnyx "title"
	Detail  string // Twilio "detail" (optional), Telnyx "detail"
	Pointer string // Telnyx source.pointer
}

// Standard update form fields, in the vendors' documented order.
const (
	FieldMuted               = "Muted"
	FieldHold                = "Hold"
	FieldHoldURL             = "HoldUrl"
	FieldHoldMethod          = "HoldMethod"
	FieldAnnounceURL         = "AnnounceUrl"
	FieldAnnounceMethod      = "AnnounceMethod"
	FieldWaitURL             = "WaitUrl"
	FieldWaitMethod          = "WaitMethod"
	FieldBeepOnExit          = "BeepOnExit"
	FieldEndConferenceOnExit = "EndConferenceOnExit"
	FieldCoaching            = "Coaching"
	FieldCallSidToCoach      = "CallSidToCoach"
)

// UpdateFields returns the standard update form fields in documented order,
// without except.
func UpdateFields(except ...string) []string {
	all := []string{
		FieldMuted, FieldHold, FieldHoldURL, FieldHoldMethod, FieldAnnounceURL, FieldAnnounceMethod,
		FieldWaitURL, FieldWaitMethod, FieldBeepOnExit, FieldEndConferenceOnExit, FieldCoaching, FieldCallSidToCoach,
	}
	return slices.DeleteFunc(all, func(f string) bool { return slices.Contains(except, f) })
}

type fieldKind int

const (
	boolField fieldKind = iota
	methodField
	urlField
	callField
)

type fieldSpec struct {
	kind fieldKind
	set  func(p *Participant, v string)
}

var fieldSpecs = map[string]fieldSpec{
	FieldMuted:               {boolField, func(p *Participant, v string) { p.Muted = v == "true" }},
	FieldHold:                {boolField, func(p *Participant, v string) { p.Hold = v == "true" }},
	FieldHoldURL:             {urlField, func(p *Participant, v string) { p.HoldURL = v }},
	FieldHoldMethod:          {methodField, func(p *Participant, v string) { p.HoldMethod = v }},
	FieldAnnounceURL:         {urlField, func(p *Participant, v string) { p.AnnounceURL = v }},
	FieldAnnounceMethod:      {methodField, func(p *Participant, v string) { p.AnnounceMethod = v }},
	FieldWaitURL:             {urlField, func(p *Participant, v string) { p.WaitURL = v }},
	FieldWaitMethod:          {methodField, func(p *Participant, v string) { p.WaitMethod = v }},
	FieldBeepOnExit:          {boolField, func(p *Participant, v string) { p.BeepOnExit = v == "true" }},
	FieldEndConferenceOnExit: {boolField, func(p *Participant, v string) { p.EndConferenceOnExit = v == "true" }},
	FieldCoaching:            {boolField, func(p *Participant, v string) { p.Coaching = v == "true" }},
	FieldCallSidToCoach:      {callField, func(p *Participant, v string) { p.CallToCoach = v }},
}

// describe renders p. Injected 401 and 404 read as the dialect's own
// Unauthorized and NotFound errors; other injected statuses and kinds the
// dialect leaves out are rendered from the status alone.
func (d *Dialect) describe(p Problem) Error {
	if p.Kind == Injected {
		switch p.Status {
		case http.StatusUnauthorized:
			p.Kind = Unauthorized
		case http.StatusNotFound:
			p.Kind = NotFound
		}
	}
	if p.Kind != Injected {
		if e := d.Describe(p); e.Status != 0 {
			return e
		}
		p.Status = kindStatus[p.Kind]
	}
	code, ok := d.StatusCodes[p.Status]
	if !ok {
		code = strconv.Itoa(p.Status)
	}
	return Error{Status: p.Status, Code: code, Title: http.StatusText(p.Status)}
}

var kindStatus = map[Kind]int{
	Unauthorized:         http.StatusUnauthorized,
	Forbidden:            http.StatusForbidden,
	NotFound:             http.StatusNotFound,
	MethodNotAllowed:     http.StatusMethodNotAllowed,
	UnsupportedMediaType: http.StatusUnsupportedMediaType,
	MissingBody:          http.StatusUnprocessableEntity,
	TooLarge:             http.StatusRequestEntityTooLarge,
	RateLimited:          http.StatusTooManyRequests,
	InvalidQuery:         http.StatusBadRequest,
}

// check validates one form value; it returns the problem kind or 0.
func (d *Dialect) check(field, v string) Kind {
	switch fieldSpecs[field].kind {
	case boolField:
		if v != "true" && v != "false" {
			return InvalidBool
		}
	case methodField:
		if v != http.MethodGet && v != http.MethodPost {
			return InvalidMethod
		}
	case urlField:
		if v == "" && field == FieldWaitURL && d.AllowEmptyWaitURL {
			return 0
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return InvalidURL
		}
	case callField:
		if !d.ValidCallID(v) {
			return InvalidCallID
		}
	}
	return 0
}

// update applies form to p, all or nothing. Booleans are exactly "true" or
// "false" and methods exactly "GET" or "POST" (both vendors' spec enums; the
// first value of a repeated field wins). CallSidToCoach without Coaching
// implies Coaching=true; Coaching=true needs CallSidToCoach in the form or
// already stored. Coaching=false keeps the stored CallSidToCoach.
func (d *Dialect) update(p Participant, form url.Values) (Participant, *Problem) {
	for _, f := range d.Fields {
		vs, ok := form[f]
		if !ok {
			continue
		}
		if k := d.check(f, vs[0]); k != 0 {
			return p, &Problem{Kind: k, Field: f, Value: vs[0]}
		}
		fieldSpecs[f].set(&p, vs[0])
	}
	_, coachingSent := form[FieldCoaching]
	if _, ok := form[FieldCallSidToCoach]; ok && !coachingSent {
		p.Coaching = true
	}
	if coachingSent && p.Coaching && p.CallToCoach == "" {
		return p, &Problem{Kind: MissingCallID, Field: FieldCallSidToCoach}
	}
	return p, nil
}

// collections returns the path's collection names.
func (d *Dialect) collections() [3]string {
	if d.Collections == [3]string{} {
		return [3]string{"Accounts", "Conferences", "Participants"}
	}
	return d.Collections
}

// updateMethod returns the method of an update.
func (d *Dialect) updateMethod() string {
	if d.UpdateMethod == "" {
		return http.MethodPost
	}
	return d.UpdateMethod
}

// allow is the Allow header of a participant path.
func (d *Dialect) allow() string {
	if d.NoRemove {
		return "GET, " + d.updateMethod()
	}
	return "GET, " + d.updateMethod() + ", DELETE"
}

// bodyType reports whether contentType is the update body's media type.
func (d *Dialect) bodyType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if d.Apply != nil {
		return err == nil && mt == "application/json"
	}
	return err == nil && mt == "application/x-www-form-urlencoded"
}
