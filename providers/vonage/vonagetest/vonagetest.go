// Package vonagetest is an in-memory fake of Vonage's Voice API call leg
// operations, for tests and the emulator, on the shared vendorfake engine.
//
// It serves, under /v1/calls (the spec's server https://api.nexmo.com/v1/calls):
//
//	GET /v1/calls/?conversation_uuid=&status=&page_size=&record_index=  getCalls, paged (also without the slash)
//	GET /v1/calls/{uuid}            getCall: the leg, without mute or earmuff state
//	PUT /v1/calls/{uuid}            updateCall {"action": mute|unmute|earmuff|unearmuff|hangup}: 204
//	PUT /v1/calls/{uuid}/stream     startStream {"stream_url":[…],"loop":n}: 200 {"message","uuid"}
//
// Every request must carry Authorization: Bearer and an RS256 JWT signed
// with the application's key: the fake verifies it with Config.PublicKey
// and answers 401 for a missing or bad signature, another algorithm, a
// token without iat or exp, an expired one (or one past Vonage's 24 hours
// after iat), or an application_id that is not Config.ApplicationID. Any
// new jti is accepted. The fake keeps mute and earmuff per leg
// (Participant.Muted and Participant.Hold) although getCall does not show
// them; hangup ends the leg (it leaves the store), a stream stores its
// first URL as AnnounceURL. The participant's Conference is the leg's
// conversation_uuid, its Account the application id; Status is Vonage's
// (a seeded "connected" reads as "answered"). Errors are RFC 7807
// problems {type, title, detail, instance}; a 400 lists
// invalid_parameters. The emulator's Load limit answers 429, as Vonage
// does past 15 requests per second.
package vonagetest

import (
	"crypto/rsa"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// PathPrefix is the API path the fake serves; a client's base URL is the
// server's URL.
const PathPrefix = "/v1/calls"

// The fakes' shared public types: records, the fault model and the server.
type (
	Participant = record.Participant
	Request     = record.Request
	Fault       = fault.Fault
	Server      = fake.Server
)

// Config is the application the fake accepts tokens for.
type Config struct {
	ApplicationID string
	PublicKey     *rsa.PublicKey
	// Now is the clock tokens are checked by (default time.Now).
	Now func() time.Time
}

// New returns a fake Vonage Voice API.
func New(cfg Config) *Server {
	return vendorfake.Public(vendorfake.NewServer(&vendorfake.Dialect{
		PathPrefix: PathPrefix,
		NewCallID:  vendorfake.UUID,
		Challenge:  `Bearer realm="Vonage"`,
		Describe:   describe,
		StatusCodes: map[int]string{400: "bad-request", 401: "unauthorized", 404: "not-found", 405: "method-not-allowed",
			415: "unsupported-media-type", 429: "throttled", 500: "internal-error", 503: "unavailable"},
		ErrorBody: errorBody,
		Handle:    cfg.handle,
		AccountOf: func(r *http.Request, _ string) string { return cfg.claimedApp(r) },
	})).(*Server)
}

// NewConversationID returns a random conversation uuid: CON- and a UUID.
func NewConversationID() string { return "CON-" + vendorfake.UUID() }

func describe(p vendorfake.Problem) vendorfake.Error {
	switch p.Kind {
	case vendorfake.Unauthorized:
		return vendorfake.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Title: "Invalid Token", Detail: p.Value}
	case vendorfake.NotFound:
		return vendorfake.Error{Status: http.StatusNotFound, Code: "not-found", Title: "Not Found",
			Detail: "Call " + p.Value + " was not found or has ended"}
	case vendorfake.BadForm, vendorfake.InvalidURL, vendorfake.InvalidQuery:
		return vendorfake.Error{Status: http.StatusBadRequest, Code: "bad-request", Title: "Bad Request",
			Detail: "The request failed due to validation errors", Pointer: p.Field}
	case vendorfake.RateLimited:
		return vendorfake.Error{Status: http.StatusTooManyRequests, Code: "throttled", Title: "Too Many Requests",
			Detail: "Rate limit exceeded"}
	}
	return vendorfake.Error{}
}

// problem is RFC 7807, as Vonage's API errors are.
type problem struct {
	Type              string              `json:"type"`
	Title             string              `json:"title"`
	Detail            string              `json:"detail,omitempty"`
	Instance          string              `json:"instance"`
	InvalidParameters []map[string]string `json:"invalid_parameters,omitempty"`
}

func errorBody(e vendorfake.Error) any {
	p := problem{Type: "https://developer.vonage.com/api-errors#" + e.Code, Title: e.Title, Detail: e.Detail,
		Instance: vendorfake.UUID()}
	if e.Pointer != "" {
		p.InvalidParameters = []map[string]string{{"name": e.Pointer, "reason": "Invalid value"}}
	}
	return p
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// verify checks the request's token; it returns why it is refused, or "".
func (c Config) verify(r *http.Request) string {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		return "a Bearer token is required"
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return c.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(c.now))
	if err != nil {
		return "the token is not valid: " + err.Error()
	}
	iat, err := claims.GetIssuedAt()
	switch {
	case err != nil || iat == nil:
		return "the token has no iat"
	case c.now().Sub(iat.Time) > 24*time.Hour:
		return "the token was issued more than 24 hours ago"
	case claims["application_id"] != c.ApplicationID:
		return "the token is for another application"
	}
	return ""
}

// claimedApp is the token's application_id, unverified, for the Load limit.
func (c Config) claimedApp(r *http.Request) string {
	raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
		return ""
	}
	app, _ := claims["application_id"].(string)
	return app
}

func (c Config) handle(s *vendorfake.Server, w http.ResponseWriter, r *http.Request, rec Request) {
	fail := func(k vendorfake.Kind, field, value string) {
		s.WriteProblem(w, rec.Path, vendorfake.Problem{Kind: k, Field: field, Value: value})
	}
	if why := c.verify(r); why != "" {
		fail(vendorfake.Unauthorized, "", why)
		return
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(rec.Path, PathPrefix), "/")
	call, verb, _ := strings.Cut(rest, "/")
	if u, err := url.PathUnescape(call); err == nil {
		call = u
	}
	switch {
	case call == "" && r.Method == http.MethodGet:
		c.list(s, w, r, fail)
		return
	case call == "" || verb != "" && verb != "stream" || strings.Contains(call, "/"):
		fail(vendorfake.NotFound, "", call)
		return
	case r.Method == http.MethodGet && verb == "":
		p, ok := s.ByCall(c.ApplicationID, call)
		if !ok {
			fail(vendorfake.NotFound, "", call)
			return
		}
		vendorfake.WriteJSON(w, http.StatusOK, resource(p))
		return
	case r.Method != http.MethodPut:
		w.Header().Set("Allow", map[string]string{"": "GET, PUT", "stream": "PUT, DELETE"}[verb])
		fail(vendorfake.MethodNotAllowed, "", "")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		fail(vendorfake.UnsupportedMediaType, "", "")
		return
	}
	var body struct {
		Action    string   `json:"action"`
		StreamURL []string `json:"stream_url"`
		Loop      *int     `json:"loop"`
	}
	if json.Unmarshal(rec.Body, &body) != nil {
		fail(vendorfake.BadForm, "body", "")
		return
	}
	p, ok := s.ByCall(c.ApplicationID, call)
	if !ok {
		fail(vendorfake.NotFound, "", call)
		return
	}
	if verb == "stream" {
		if len(body.StreamURL) == 0 || !strings.HasPrefix(body.StreamURL[0], "http") || body.Loop != nil && *body.Loop < 0 {
			fail(vendorfake.InvalidURL, "stream_url", "")
			return
		}
		s.Modify(p.Account, p.Conference, p.CallID, func(p *Participant) *vendorfake.Problem {
			p.AnnounceURL = body.StreamURL[0]
			return nil
		})
		vendorfake.WriteJSON(w, http.StatusOK, map[string]string{"message": "Stream started", "uuid": call})
		return
	}
	set := map[string]func(p *Participant){
		"mute": func(p *Participant) { p.Muted = true }, "unmute": func(p *Participant) { p.Muted = false },
		"earmuff": func(p *Participant) { p.Hold = true }, "unearmuff": func(p *Participant) { p.Hold = false },
	}[body.Action]
	switch {
	case body.Action == "hangup":
		s.Remove(p.Account, p.Conference, p.CallID)
	case set == nil:
		fail(vendorfake.BadForm, "action", "")
		return
	default:
		s.Modify(p.Account, p.Conference, p.CallID, func(p *Participant) *vendorfake.Problem { set(p); return nil })
	}
	w.WriteHeader(http.StatusNoContent)
}

// call is GetCallResponse.
type call struct {
	Links struct {
		Self struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"_links"`
	UUID         string            `json:"uuid"`
	Conversation string            `json:"conversation_uuid"`
	To           map[string]string `json:"to"`
	From         map[string]string `json:"from"`
	Status       string            `json:"status"`
	Direction    string            `json:"direction"`
	StartTime    string            `json:"start_time,omitempty"`
	EndTime      string            `json:"end_time,omitempty"`
}

func status(p Participant) string {
	if p.Status == "connected" || p.Status == "" {
		return "answered"
	}
	return p.Status
}

func resource(p Participant) call {
	c := call{UUID: p.CallID, Conversation: p.Conference, Status: status(p), Direction: "inbound",
		To: map[string]string{"type": "phone", "number": "447700900000"}, From: map[string]string{"type": "phone", "number": "447700900001"}}
	c.Links.Self.Href = "/calls/" + p.CallID
	if c.Status == "completed" {
		c.StartTime, c.EndTime = p.Created.Format(time.DateTime), p.Updated.Format(time.DateTime)
	}
	return c
}

// list serves getCalls: the application's legs, by conversation and
// status when asked, page_size (1..100, default 10) from record_index.
func (c Config) list(s *vendorfake.Server, w http.ResponseWriter, r *http.Request, fail func(vendorfake.Kind, string, string)) {
	q := r.URL.Query()
	size, index := 10, 0
	for _, n := range []struct {
		name     string
		v        *int
		min, max int
	}{{"page_size", &size, 1, 100}, {"record_index", &index, 0, 1 << 30}} {
		if v := q.Get(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < n.min || i > n.max {
				fail(vendorfake.InvalidQuery, n.name, v)
				return
			}
			*n.v = i
		}
	}
	conv, want := q.Get("conversation_uuid"), q.Get("status")
	var all []Participant
	if conv != "" {
		all, _ = s.Members(c.ApplicationID, conv)
	}
	var calls []call
	for _, p := range all {
		if want == "" || status(p) == want {
			calls = append(calls, resource(p))
		}
	}
	page := calls[min(index, len(calls)):min(index+size, len(calls))]
	body := map[string]any{"count": len(calls), "page_size": size, "record_index": index,
		"_embedded": map[string]any{"calls": append([]call{}, page...)}}
	link := func(i int) map[string]string {
		v := url.Values{"page_size": {strconv.Itoa(size)}, "record_index": {strconv.Itoa(i)}}
		if conv != "" {
			v.Set("conversation_uuid", conv)
		}
		if want != "" {
			v.Set("status", want)
		}
		return map[string]string{"href": "/calls?" + v.Encode()}
	}
	links := map[string]any{"self": link(index)}
	if index+size < len(calls) {
		links["next"] = link(index + size)
	}
	body["_links"] = links
	vendorfake.WriteJSON(w, http.StatusOK, body)
}
