// Package twiliofamily holds, once, what every carrier speaking Twilio's
// participant API shares: the form names, the path layout
// {root}/Accounts/{account}/Conferences/{conference}/Participants/{call}{suffix},
// Twilio's participant resource and error body, its error codes, and SID
// checks. providers/twilio, providers/texml and providers/signalwire build
// their dialects from it; nothing here is copied into them.
package twiliofamily

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"

	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/driver/twilioapi"
	"github.com/carrierkit/carrierkit/internal/flatjson"
	"github.com/carrierkit/carrierkit/participant"
)

// Wire returns the form names Twilio's API uses for every field (Muted,
// HoldUrl, CallSidToCoach, …), less the fields in except. Telnyx TeXML and
// SignalWire use the same names.
func Wire(except ...participant.Field) map[participant.Field]string {
	m := map[participant.Field]string{
		participant.FieldMuted:               "Muted",
		participant.FieldHold:                "Hold",
		participant.FieldHoldURL:             "HoldUrl",
		participant.FieldHoldMethod:          "HoldMethod",
		participant.FieldAnnounceURL:         "AnnounceUrl",
		participant.FieldAnnounceMethod:      "AnnounceMethod",
		participant.FieldWaitURL:             "WaitUrl",
		participant.FieldWaitMethod:          "WaitMethod",
		participant.FieldBeepOnExit:          "BeepOnExit",
		participant.FieldEndConferenceOnExit: "EndConferenceOnExit",
		participant.FieldCoaching:            "Coaching",
		participant.FieldCallToCoach:         "CallSidToCoach",
	}
	for _, f := range except {
		delete(m, f)
	}
	return m
}

// ParticipantPath is the participant path under root (e.g. "/2010-04-01"),
// the call segment ending in suffix (e.g. ".json").
func ParticipantPath(root, suffix string) httpdriver.Path {
	return httpdriver.MustPath(root + "/Accounts/{account}/Conferences/{conference}/Participants/{call}" + suffix)
}

// UpdateOp is the update of a Twilio-shaped API: a form POST answered 200
// with the participant.
func UpdateOp(path httpdriver.Path, decode func([]byte) (*participant.Participant, error)) *httpdriver.Operation {
	return &httpdriver.Operation{Method: http.MethodPost, Path: path, Body: httpdriver.FormBody, Decode: decode}
}

// FetchOp is the fetch of a Twilio-shaped API: GET answered 200 with the
// participant.
func FetchOp(path httpdriver.Path, decode func([]byte) (*participant.Participant, error)) *httpdriver.Operation {
	return &httpdriver.Operation{Method: http.MethodGet, Path: path, Decode: decode}
}

// ListPath is the conference's participant list under root, the last
// segment ending in suffix.
func ListPath(root, suffix string) httpdriver.Path {
	return httpdriver.MustPath(root + "/Accounts/{account}/Conferences/{conference}/Participants" + suffix)
}

// MaxPageSize is the largest PageSize Twilio's list takes.
const MaxPageSize = 1000

// ListOp is the list of a Twilio-shaped API: GET answered 200 with the
// paging envelope, the next page linked by next_page_uri. With query set,
// the first page asks for opts.PageSize (at most MaxPageSize) and for the
// carrier's own filters on Muted, Hold and Coaching (Twilio's
// ListParticipant); the engine filters on them again either way.
func ListOp(path httpdriver.Path, decode func([]byte) (*participant.Participant, error), query bool) *httpdriver.Operation {
	op := &httpdriver.Operation{Method: http.MethodGet, Path: path, Decode: decode, DecodePage: DecodePage}
	if query {
		op.Query = listQuery
	}
	return op
}

var listQuery = ListQuery("Muted", "Hold", "Coaching")

// ListQuery returns the query of a Twilio-shaped list that asks for
// opts.PageSize (at most MaxPageSize) and for the server-side filters named
// (among Muted, Hold and Coaching) that opts sets.
func ListQuery(filters ...string) func(participant.ListOptions, string) url.Values {
	page := httpdriver.PageQuery("PageSize", MaxPageSize, "")
	return func(opts participant.ListOptions, _ string) url.Values {
		q := page(opts, "")
		set := map[string]*bool{"Muted": opts.Muted, "Hold": opts.Hold, "Coaching": opts.Coaching}
		for _, name := range filters {
			if v := set[name]; v != nil {
				q.Set(name, strconv.FormatBool(*v))
			}
		}
		return q
	}
}

// DecodePage splits the paging envelope Twilio's and TeXML's lists share:
// participants, and next_page_uri, relative to the API host (null or
// absent on the last page).
func DecodePage(body []byte) (httpdriver.Page, error) {
	var w struct {
		Participants *[]json.RawMessage `json:"participants"`
		NextPageURI  *string            `json:"next_page_uri"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return httpdriver.Page{}, err
	}
	if w.Participants == nil {
		return httpdriver.Page{}, errors.New("no participants in the list answer")
	}
	pg := httpdriver.Page{Items: *w.Participants}
	if w.NextPageURI != nil {
		pg.Next = *w.NextPageURI
	}
	return pg, nil
}

// RemoveOp is the remove of a Twilio-shaped API: DELETE answered 204.
func RemoveOp(path httpdriver.Path) *httpdriver.Operation {
	return &httpdriver.Operation{Method: http.MethodDelete, Path: path}
}

// Dialect returns the dialect of a carrier that speaks Twilio's API under
// root "/2010-04-01" with the ".json" suffix (DialectAt).
func Dialect(provider string, check func(string, participant.Ref, participant.UpdateRequest) (string, string),
	except ...participant.Field) httpdriver.Dialect {
	return DialectAt(provider, "/2010-04-01", ".json", check, except...)
}

// DialectAt returns the dialect of a carrier that speaks Twilio's API under
// root, the call segment ending in suffix: Twilio's form names less the
// fields in except; update, fetch, list (ListOp with its query) and remove
// (DELETE, 204) on Twilio's resource; Twilio's error body and codes; and
// check for the carrier's id rules. A carrier changes what differs.
func DialectAt(provider, root, suffix string, check func(string, participant.Ref, participant.UpdateRequest) (string, string),
	except ...participant.Field) httpdriver.Dialect {
	path := ParticipantPath(root, suffix)
	return httpdriver.Dialect{
		Provider:    provider,
		Labels:      true,
		Wire:        Wire(except...),
		Update:      UpdateOp(path, DecodeParticipant),
		Fetch:       FetchOp(path, DecodeParticipant),
		List:        ListOp(ListPath(root, suffix), DecodeParticipant, true),
		Remove:      RemoveOp(path),
		Check:       check,
		DecodeError: DecodeError(provider),
		Codes:       Codes,
	}
}

// IsSID reports whether s is a Twilio-style SID: the two-letter prefix and
// 32 hex digits.
func IsSID(s, prefix string) bool {
	if len(s) != 34 || s[:2] != prefix {
		return false
	}
	for i := 2; i < 34; i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// DecodeParticipant decodes Twilio's participant resource
// (api.v2010.account.conference.participant), and its Twilio-style
// cousins: TeXML's ParticipantResource names the coached call
// coaching_call_sid and has no label or start_conference_on_enter (left
// empty and nil).
//
// A body of the usual shape is read by flatjson, a fifth of
// encoding/json's time; any other body (escapes, a name in another case, a
// type that does not fit) is decoded by encoding/json, with the same result
// (FuzzDecodeParticipant).
func DecodeParticipant(body []byte) (*participant.Participant, error) {
	var w participantWire
	if !w.scan(body) {
		w = participantWire{}
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, err
		}
	}
	return w.participant(), nil
}

func (w *participantWire) participant() *participant.Participant {
	return &participant.Participant{
		AccountID: w.AccountSID, ConferenceID: w.ConferenceSID, CallID: w.CallSID, Label: w.Label,
		Muted: w.Muted, Hold: w.Hold, Coaching: w.Coaching, EndConferenceOnExit: w.EndConferenceOnExit,
		StartConferenceOnEnter: w.StartConferenceOnEnter, CallToCoach: cmp.Or(w.CallSIDToCoach, w.CoachingCallSID),
		Status:  httpdriver.ParseStatus(w.Status),
		Created: httpdriver.ParseTime(w.DateCreated), Updated: httpdriver.ParseTime(w.DateUpdated),
	}
}

// participantWire is the participant resource's members that
// DecodeParticipant reads.
type participantWire struct {
	AccountSID             string `json:"account_sid"`
	CallSID                string `json:"call_sid"`
	Label                  string `json:"label"`
	ConferenceSID          string `json:"conference_sid"`
	DateCreated            string `json:"date_created"`
	DateUpdated            string `json:"date_updated"`
	EndConferenceOnExit    bool   `json:"end_conference_on_exit"`
	Muted                  bool   `json:"muted"`
	Hold                   bool   `json:"hold"`
	StartConferenceOnEnter *bool  `json:"start_conference_on_enter"`
	Coaching               bool   `json:"coaching"`
	CallSIDToCoach         string `json:"call_sid_to_coach"`
	CoachingCallSID        string `json:"coaching_call_sid"` // TeXML
	Status                 string `json:"status"`
}

// participantKeys are participantWire's JSON names, in field order.
var participantKeys = flatjson.Names(reflect.TypeFor[participantWire]())

// fields are w's fields, in field order (TestParticipantFieldsInOrder).
func (w *participantWire) fields() [14]any {
	return [...]any{&w.AccountSID, &w.CallSID, &w.Label, &w.ConferenceSID, &w.DateCreated, &w.DateUpdated,
		&w.EndConferenceOnExit, &w.Muted, &w.Hold, &w.StartConferenceOnEnter, &w.Coaching, &w.CallSIDToCoach,
		&w.CoachingCallSID, &w.Status}
}

// scan fills w from body as encoding/json would, and reports false when it
// cannot tell (flatjson's subset) or when encoding/json would fail (a value
// of the wrong type): w must then be decoded by encoding/json, from zero.
func (w *participantWire) scan(body []byte) bool {
	f := w.fields()
	return flatjson.Decode(body, participantKeys, f[:])
}

// APIError is Twilio's error body, also used by Twilio-compatible hosts:
// the public twilioapi.Error, which twilio.APIError and signalwire.APIError
// name.
type APIError = twilioapi.Error

// DecodeError returns the Dialect.DecodeError of a provider that answers
// in Twilio's error shape; its APIErrors name that provider.
func DecodeError(provider string) func(body []byte) (code, message string, vendorErr error) {
	return func(body []byte) (code, message string, vendorErr error) {
		e := APIError{Provider: provider}
		if json.Unmarshal(body, &e) != nil || (e.Code == 0 && e.Message == "") {
			return "", "", nil
		}
		if e.Code != 0 {
			code = strconv.Itoa(e.Code)
		}
		return code, e.Message, &e
	}
}

// Codes are Twilio's documented codes for the participant resource, by class.
var Codes = map[string]participant.Code{
	"20001": participant.CodeInvalidArgument, // unknown parameter
	"20003": participant.CodeUnauthenticated, // authentication failed
	"20005": participant.CodePermissionDenied,
	"20008": participant.CodePermissionDenied, // test credentials not allowed
	"20403": participant.CodePermissionDenied,
	"20404": participant.CodeNotFound,
	"20429": participant.CodeRateLimited,
	"20500": participant.CodeUnavailable,
	"20503": participant.CodeUnavailable,
	"21205": participant.CodeInvalidArgument,    // invalid URL
	"21220": participant.CodeFailedPrecondition, // call not in a state to be modified
}
