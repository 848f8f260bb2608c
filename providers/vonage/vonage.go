// Package vonage is the carrierkit adapter for Vonage's Voice API, which
// takes one action per call leg request and signs every request with a
// JSON Web Token.
//
// A participant is a call leg, addressed by its uuid; its conference is the
// leg's conversation_uuid (CON-…); the account is the Vonage application
// id. Each request carries a new RS256 token signed with the application's
// private key: application_id, iat, a short exp (TokenTTL, one minute by
// default) and a random jti, as Vonage's SDKs mint them. The calls:
//
//	Muted=true / false   PUT /v1/calls/{uuid} {"action":"mute"} / {"action":"unmute"}
//	Hold=true            mute, then {"action":"earmuff"} (muted before deaf: never heard while deaf)
//	Hold=false           {"action":"unearmuff"}, then unmute
//	AnnounceURL          PUT /v1/calls/{uuid}/stream {"stream_url":[url],"loop":1}, last (not idempotent)
//
// Vonage has one mute flag, as Plivo: unhold also unmutes unless the same
// request sets Muted=true (the leg stays muted) or Muted=false; Hold=true
// with Muted=false is sent as asked. A leg's mute and earmuff cannot be
// read (GET /v1/calls/{uuid} does not report them): Capabilities.Readable
// leaves Muted and Hold out, an update is not read back and returns the
// leg as the request set it, Fetch and List leave them false, and a List
// filter on them is refused. So a Hold=true sent again after a partial
// failure mutes again (harmless: mute is idempotent).
//
// Fetch is GET /v1/calls/{uuid}; List is GET /v1/calls/ (the spec's path)
// with conversation_uuid, status=answered (the legs in the conversation
// now: an inference, Vonage documents no "in the room" filter) and Vonage's
// paging (page_size, at most 100, and the record_index of _links.next).
// Remove hangs the leg up ({"action":"hangup"}); a transfer to a new NCCO
// would move the call instead. The other fields are join-time NCCO options
// or nothing: refused by capability. Errors are RFC 7807 problem bodies
// (ProblemError, reached with errors.As). A failed update's Error.Applied
// lists what the actions before it applied, and Step names the failed one.
//
// Signing uses github.com/golang-jwt/jwt/v5, the maintained successor of
// the JWT library Vonage's own Go SDK uses: it parses PKCS#1 and PKCS#8
// keys and checks the signing method, which hand-rolled crypto/rsa code
// would have to repeat.
package vonage

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// Name is the adapter's provider name.
const Name = "vonage"

// DefaultTokenTTL is how long a signed token is valid.
const DefaultTokenTTL = time.Minute

// Hosts are the API hosts by Config.Region ("" is the global host).
var Hosts = map[string]string{"": "https://api.nexmo.com", "us": "https://api-us.vonage.com",
	"eu": "https://api-eu.vonage.com", "ap": "https://api-ap.vonage.com"}

// Config configures the adapter (New). Printing it never shows PrivateKey.
type Config struct {
	// ApplicationID is the Vonage application (a UUID): the token's
	// application_id and the account of every ref.
	ApplicationID string
	// PrivateKey is the application's private key, PEM (PKCS#1 or #8).
	PrivateKey []byte `json:"-"`
	// Region picks the host: "" (api.nexmo.com), "us", "eu" or "ap".
	Region string
	// BaseURL overrides the host, for tests and regional hosts not listed.
	BaseURL string
	// TokenTTL is each token's lifetime (default DefaultTokenTTL, at most 24h).
	TokenTTL time.Duration
	// Now is the clock tokens are dated by (default time.Now), for tests.
	Now func() time.Time `json:"-"`

	driver.Options
}

// Format prints c with its secret redacted, for every verb.
func (c Config) Format(f fmt.State, verb rune) {
	type plain Config // no methods: prints fields, not Format again
	spec.FormatRedacted(f, verb, plain(c), "Config")
}

const (
	ruleUUID = "must be a UUID"
	ruleConv = "must be a Vonage conversation uuid: CON- and a UUID"
)

// New checks cfg (by the Settings table, then the key and TokenTTL) and
// returns the portable client over the Vonage driver. Nothing is sent.
func New(cfg Config) (*carrierkit.Client, error) {
	if err := spec.CheckConfig(cfg); err != nil {
		return nil, err
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(cfg.PrivateKey)
	switch {
	case err != nil:
		return nil, driver.ConfigError(Name, "PrivateKey", "must be an RSA private key in PEM") // never echoed
	case cfg.TokenTTL < 0 || cfg.TokenTTL > 24*time.Hour:
		return nil, driver.ConfigError(Name, "TokenTTL", "must be between 0 (the default) and 24h, Vonage's longest")
	}
	s := signer{app: cfg.ApplicationID, key: key, ttl: cmp.Or(cfg.TokenTTL, DefaultTokenTTL), now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return carrierkit.New(httpdriver.New(&dialect, httpdriver.Config{BaseURL: cmp.Or(cfg.BaseURL, Hosts[cfg.Region]),
		Account: cfg.ApplicationID, Authorize: s.sign, Secrets: []httpdriver.Secret{{Value: string(cfg.PrivateKey)}},
		ScrubJWTs: true, HTTP: cfg.Options})), nil
}

// isConversation reports whether s is a conversation uuid (ruleConv).
func isConversation(s string) bool {
	return len(s) == 40 && s[:4] == "CON-" && httpdriver.IsUUID(s[4:])
}

// signer mints a token per request.
type signer struct {
	app string
	key *rsa.PrivateKey
	ttl time.Duration
	now func() time.Time
}

func (s signer) sign() (string, error) {
	now, jti := s.now(), make([]byte, 16)
	_, _ = rand.Read(jti) // crypto/rand.Read never fails
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"application_id": s.app, "iat": now.Unix(),
		"exp": now.Add(s.ttl).Unix(), "jti": hex.EncodeToString(jti)}).SignedString(s.key)
	return "Bearer " + tok, err
}

// ProblemError is Vonage's RFC 7807 error body. errors.As reaches it.
type ProblemError = httpdriver.Problem

var (
	callPath = httpdriver.MustPath("/v1/calls/{call}")
	opStream = &httpdriver.Operation{Method: http.MethodPut, Path: httpdriver.MustPath("/v1/calls/{call}/stream"),
		Body: httpdriver.JSONBody, Encode: func(req *participant.UpdateRequest) ([]byte, error) {
			return json.Marshal(struct {
				URL  []string `json:"stream_url"`
				Loop int      `json:"loop"`
			}{[]string{*req.AnnounceURL}, 1})
		}}
)

// action is PUT /v1/calls/{uuid} with {"action": name}.
func action(name string) *httpdriver.Operation {
	return httpdriver.Fixed(http.MethodPut, callPath, []byte(`{"action":"`+name+`"}`))
}

var verbs = httpdriver.Verbs{Mute: action("mute"), Unmute: action("unmute"), Deafen: action("earmuff"),
	Undeafen: action("unearmuff"), Play: opStream, DeafenName: "earmuff", UndeafenName: "unearmuff", PlayName: "stream"}

var dialect = httpdriver.Dialect{
	Provider:   Name,
	Omits:      participant.Omits{Times: true},
	Wire:       map[participant.Field]string{participant.FieldMuted: "mute", participant.FieldHold: "earmuff", participant.FieldAnnounceURL: "stream"},
	HoldMutes:  true,
	Plan:       verbs.Plan,
	NoReadBack: true,
	Unreadable: participant.NewFieldSet(participant.FieldMuted, participant.FieldHold),
	Fetch:      &httpdriver.Operation{Method: http.MethodGet, Path: callPath, Decode: decodeCall},
	List: &httpdriver.Operation{Method: http.MethodGet, Path: httpdriver.MustPath("/v1/calls/?conversation_uuid={conference}&status=answered"),
		Decode: decodeCall, DecodePage: httpdriver.HALPage("calls", "record_index"), Query: httpdriver.PageQuery("page_size", 100, "record_index")},
	Remove: action("hangup"),
	Check: httpdriver.IDs{Account: httpdriver.IDRule{OK: httpdriver.IsUUID, Rule: "must be the Vonage application id: " + ruleUUID},
		Conference: httpdriver.IDRule{OK: isConversation, Rule: ruleConv},
		Call:       httpdriver.IDRule{OK: httpdriver.IsUUID, Rule: "must be a Vonage call leg uuid: " + ruleUUID}}.Check,
	DecodeError: httpdriver.ProblemErrors(Name, "error_title"), // the gateway answers {type, error_title}
}

// decodeCall decodes a call leg (GetCallResponse).
func decodeCall(body []byte) (*participant.Participant, error) {
	var c struct {
		UUID         string `json:"uuid"`
		Conversation string `json:"conversation_uuid"`
		Status       string `json:"status"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, err
	}
	return &participant.Participant{CallID: c.UUID, ConferenceID: c.Conversation, Status: cmp.Or(statuses[c.Status], participant.StatusUnknown)}, nil
}

// statuses maps a leg's status (Vonage's call-flow event values); any
// other is StatusUnknown.
var statuses = map[string]participant.Status{"started": participant.StatusConnecting, "ringing": participant.StatusRinging,
	"answered": participant.StatusConnected, "machine": participant.StatusConnected, "completed": participant.StatusCompleted,
	"busy": participant.StatusFailed, "cancelled": participant.StatusFailed, "failed": participant.StatusFailed,
	"rejected": participant.StatusFailed, "timeout": participant.StatusFailed, "unanswered": participant.StatusFailed}
