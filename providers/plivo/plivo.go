// Package plivo is the carrierkit adapter for Plivo's Conference API, a
// carrier of action verbs: one neutral update is one call per verb.
//
// It authenticates with HTTP Basic (auth_id:auth_token) and addresses a
// member as {root}/Account/{auth_id}/Conference/{name}/Member/{member_id}/,
// every path with the trailing slash Plivo's SDKs send. The calls:
//
//	Muted=true / false    POST / DELETE …/Member/{id}/Mute/
//	Hold=true             POST …/Mute/, then POST …/Deaf/ (muted before deaf: never heard while deaf)
//	Hold=false            DELETE …/Deaf/, then DELETE …/Mute/
//	AnnounceURL           POST …/Member/{id}/Play/ {"url": …}, last (it is not idempotent)
//
// Plivo has one mute flag, so hold's mute and the caller's mute are the
// same. Unhold undeafs and also unmutes, unless the same request sets
// Muted=true (then the member stays muted) or Muted=false (the unmute is
// that field's). Hold=true without Muted reads the member first and skips
// the mute when it is muted already, so an update sent again after a
// partial failure never mutes twice. Hold=true with Muted=false is sent
// as asked: unmute, then deaf; Muted is applied only with the deaf, so a
// failed deaf leaves both to send again (the rest would otherwise mute).
//
// The member list is the only read: Fetch and every update's read-back GET
// the conference (…/Conference/{name}/), which lists every member, and
// pick the member out; List yields them all from that one answer (no
// paging, PageSize ignored, filters applied here). Muted is the member's
// muted, Hold its deaf (a member who hears nothing is held; both flags are
// in Raw). Members carry no status or dates.
//
// Remove hangs the member's call up (DELETE …/Member/{id}/). Plivo's Kick
// (POST …/Kick/) would take the member out of the conference and let its
// call go on to the next element of its XML; Remove means the participant
// is gone, so it hangs up.
//
// AnnounceURL must be an audio file (mp3 or wav): Plivo's Play cannot
// play markup, so a URL ending in .xml or .html is refused, and
// AnnounceMethod has no equivalent. HoldURL, HoldMethod, WaitURL,
// WaitMethod, BeepOnExit, EndConferenceOnExit, Coaching and CallToCoach are
// join-time XML attributes or Multi-party Call features: refused by
// capability, naming the field, nothing sent. Plivo's answers disagree
// with its docs (204 with a body, member_id a string or a list): any 2xx
// is success and its body is not read. A 429 is rate limited, as everywhere.
//
// New returns the portable *carrierkit.Client over the adapter's driver.
// Its Capabilities report Muted, Hold and AnnounceURL (Muted and Hold
// readable), fetch, list and remove, and no labels. A failed update is a
// *participant.Error whose Applied lists the fields the calls before it
// applied and whose Step names the failed call (mute, unmute, deaf,
// undeaf, play). Client.As supports **http.Client (the client requests go
// through) and **httpdriver.Driver, whose BaseURL is the API root.
package plivo

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the adapter's provider name.
const Name = "plivo"

// DefaultBaseURL is the API root (the part before /Account).
const DefaultBaseURL = "https://api.plivo.com/v1"

// Config configures the adapter (New). Printing it never shows AuthToken.
type Config struct {
	// AuthID is the account (MA… or SA…), the default of refs that leave
	// Ref.Account empty, and the Basic user.
	AuthID    string
	AuthToken string `json:"-"`
	// BaseURL overrides the API root, for tests. Default DefaultBaseURL.
	BaseURL string

	driver.Options
}

// Format prints c with its secret redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	spec.FormatRedacted(f, verb, plain(c), "Config")
}

const (
	ruleAuthID = "must be a Plivo auth id: MA or SA and 18 upper-case letters or digits"
	ruleMember = "must be a Plivo member id: digits (not all, not a list: one update is for one member)"
	ruleAudio  = "must be an audio file (mp3 or wav): Plivo's Play cannot play markup"
)

// New checks cfg by the Settings table and returns the portable client
// over the Plivo driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	if err := spec.CheckConfig(cfg); err != nil {
		return nil, err
	}
	base := cmp.Or(cfg.BaseURL, DefaultBaseURL)
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Basic(base, cfg.AuthID, cfg.AuthID, cfg.AuthToken, cfg.Options))), nil
}

// IsAuthID reports whether s has the shape of a Plivo auth id.
func IsAuthID(s string) bool {
	if len(s) != 20 || s[:2] != "MA" && s[:2] != "SA" {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) < 0
}

// IsMemberID reports whether s is one member id: digits.
func IsMemberID(s string) bool { return httpdriver.IsDigits(s) }

// APIError is Plivo's error body {api_id, error}. errors.As reaches it.
type APIError struct {
	APIID   string `json:"api_id"`
	Message string `json:"error"`
}

// Error returns the message.
func (e *APIError) Error() string { return "plivo error: " + e.Message }

const member = "/Account/{account}/Conference/{conference}/Member/{call}/"

var (
	confPath = httpdriver.MustPath("/Account/{account}/Conference/{conference}/")
	opMute   = verb(http.MethodPost, "Mute/")
	opUnmute = verb(http.MethodDelete, "Mute/")
	opDeaf   = verb(http.MethodPost, "Deaf/")
	opUndeaf = verb(http.MethodDelete, "Deaf/")
	opPlay   = &httpdriver.Operation{Method: http.MethodPost, Path: httpdriver.MustPath(member + "Play/"), Body: httpdriver.JSONBody,
		Encode: func(req *participant.UpdateRequest) ([]byte, error) {
			return json.Marshal(struct {
				URL string `json:"url"`
			}{*req.AnnounceURL})
		}}
)

// verb is a member action: POST with {} as the docs send, or DELETE.
func verb(method, action string) *httpdriver.Operation {
	var body []byte
	if method == http.MethodPost {
		body = []byte("{}")
	}
	return httpdriver.Fixed(method, httpdriver.MustPath(member+action), body)
}

var verbs = httpdriver.Verbs{Mute: opMute, Unmute: opUnmute, Deafen: opDeaf, Undeafen: opUndeaf, Play: opPlay,
	DeafenName: "deaf", UndeafenName: "undeaf", PlayName: "play"}

var dialect = httpdriver.Dialect{
	Provider: Name,
	Omits:    participant.Omits{Status: true, Times: true},
	Wire: map[participant.Field]string{participant.FieldMuted: "Mute", participant.FieldHold: "Deaf",
		participant.FieldAnnounceURL: "Play"},
	HoldMutes:      true,
	Plan:           verbs.Plan,
	PlanNeedsState: verbs.NeedsState,
	Fetch:          &httpdriver.Operation{Method: http.MethodGet, Path: confPath, Decode: decodeMember, DecodePage: decodeConference},
	List:           &httpdriver.Operation{Method: http.MethodGet, Path: confPath, Decode: decodeMember, DecodePage: decodeConference},
	Remove:         &httpdriver.Operation{Method: http.MethodDelete, Path: httpdriver.MustPath(member)},
	Check: func(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
		if field, rule := ids.Check(account, ref, req); field != "" || req.AnnounceURL == nil || !isMarkup(*req.AnnounceURL) {
			return field, rule
		}
		return "AnnounceURL", ruleAudio
	},
	DecodeError: httpdriver.JSONError(func(e *APIError) (string, string) { return "", e.Message }),
}

var ids = httpdriver.IDs{Account: httpdriver.IDRule{OK: IsAuthID, Rule: ruleAuthID}, Call: httpdriver.IDRule{OK: IsMemberID, Rule: ruleMember}}

func isMarkup(u string) bool {
	u, _, _ = strings.Cut(u, "?")
	switch strings.ToLower(path.Ext(u)) {
	case ".xml", ".html", ".htm":
		return true
	}
	return false
}

// decodeMember decodes one entry of the conference's members.
func decodeMember(body []byte) (*participant.Participant, error) {
	var m struct {
		MemberID json.RawMessage `json:"member_id"`
		Muted    bool            `json:"muted"`
		Deaf     bool            `json:"deaf"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	id := strings.Trim(string(m.MemberID), `"`) // a string as documented, or a number
	return &participant.Participant{CallID: id, Muted: m.Muted, Hold: m.Deaf, Status: participant.StatusUnknown}, nil
}

// decodeConference splits GET /Conference/{name}/ into its members.
func decodeConference(body []byte) (httpdriver.Page, error) {
	var c struct {
		Name    string            `json:"conference_name"`
		Members []json.RawMessage `json:"members"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return httpdriver.Page{}, err
	}
	if c.Name == "" {
		return httpdriver.Page{}, errors.New("no conference_name in the answer")
	}
	return httpdriver.Page{Items: c.Members}, nil
}
