// Package plivotest is an in-memory fake of Plivo's Conference API member
// verbs, for tests and the emulator, on the shared vendorfake engine.
//
// Under /v1/Account/{auth_id}/Conference/{name}/ it serves, every path with
// its trailing slash (a path without it is 404):
//
//	GET    …/                     the conference: conference_name, counts and times as strings, members
//	POST   …/Member/{id}/Mute/    202 {"message":"muted","member_id":"{id}","api_id":…}
//	DELETE …/Member/{id}/Mute/    204, no body (Plivo documents no code)
//	POST   …/Member/{id}/Deaf/    202 {"message":"deaf",…}; DELETE undeafs (204)
//	POST   …/Member/{id}/Play/    202 {"message":"play queued into conference","member_id":["{id}"],…}
//	DELETE …/Member/{id}/         204: the member's call is hung up, it leaves
//
// It keeps mute and deaf per member: Participant.Muted is the mute flag,
// Participant.Hold the deaf flag; a Play stores its URL as AnnounceURL.
// The member_id of answers is a string for mute and deaf and a list for
// Play, the two shapes Plivo's docs and SDK fixtures show. POST bodies are
// JSON objects (415 for another media type, 400 for bad JSON or a Play
// without an http(s) url). Auth is HTTP Basic auth_id:auth_token (401);
// another account's path is 401 too, as Plivo answers. Errors are
// {"api_id":…, "error":…}. The emulator's Load limit answers 429 "too many
// requests", Plivo's documented answer past its rate limit.
package plivotest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/conformance/record"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// PathPrefix is the API root the fake serves under; a client's base URL is
// the server's URL + "/v1".
const PathPrefix = "/v1/Account"

// The fakes' shared public types: records, the fault model and the server.
type (
	Participant = record.Participant
	Request     = record.Request
	Fault       = fault.Fault
	Server      = fake.Server
)

// Config holds the credentials the fake accepts.
type Config struct{ AuthID, AuthToken string }

// New returns a fake Plivo Conference API accepting cfg's credentials.
func New(cfg Config) *Server {
	return vendorfake.Public(vendorfake.NewServer(&vendorfake.Dialect{
		PathPrefix: PathPrefix,
		NewCallID:  NewMemberID,
		Challenge:  `Basic realm="Plivo"`,
		Describe:   describe,
		StatusCodes: map[int]string{400: "invalid request", 401: "unauthorized", 404: "not found", 405: "method not allowed",
			415: "unsupported media type", 429: "too many requests", 500: "server error", 503: "service unavailable"},
		ErrorBody: func(e vendorfake.Error) any {
			return map[string]string{"api_id": vendorfake.UUID(), "error": strings.TrimSpace(e.Title + " " + e.Detail)}
		},
		Handle:    cfg.handle,
		AccountOf: func(_ *http.Request, path string) string { return routeOf(path).account },
	})).(*Server)
}

// NewAuthID returns a random auth id: MA and 18 upper-case letters or digits.
func NewAuthID() string { return "MA" + strings.ToUpper(vendorfake.HexID("")[:18]) }

// memberSeq numbers the members: ids from a random start, so two never
// collide within 900,000 (random ones did: 200 members shared an id about
// once in 50 conferences).
var memberSeq atomic.Int64

func init() { memberSeq.Store(rand.Int64N(900000)) }

// NewMemberID returns a member id: six digits, unique in this process for
// its first 900,000 calls.
func NewMemberID() string { return strconv.FormatInt(100000+memberSeq.Add(1)%900000, 10) }

func describe(p vendorfake.Problem) vendorfake.Error {
	switch p.Kind {
	case vendorfake.Unauthorized, vendorfake.Forbidden:
		return vendorfake.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Title: "authentication failed"}
	case vendorfake.NotFound:
		return vendorfake.Error{Status: http.StatusNotFound, Code: "not found", Title: "not found"}
	case vendorfake.BadForm, vendorfake.InvalidURL:
		return vendorfake.Error{Status: http.StatusBadRequest, Code: "invalid request", Title: "invalid request: " + p.Field}
	case vendorfake.RateLimited:
		return vendorfake.Error{Status: http.StatusTooManyRequests, Code: "too many requests", Title: "too many requests"}
	}
	return vendorfake.Error{}
}

// route is a parsed path: account, conference, member, verb.
type route struct {
	account, conference, member, verb string
	ok                                bool
}

// routeOf parses /v1/Account/{a}/Conference/{c}/[Member/{m}/[{Verb}/]].
func routeOf(path string) route {
	rest, ok := strings.CutPrefix(path, PathPrefix+"/")
	if !ok || !strings.HasSuffix(rest, "/") {
		return route{}
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	un := func(s string) string { u, _ := url.PathUnescape(s); return u }
	if len(seg) < 3 || seg[1] != "Conference" || len(seg) != 3 && (len(seg) < 5 || len(seg) > 6 || seg[3] != "Member") {
		return route{}
	}
	rt := route{account: un(seg[0]), conference: un(seg[2]), ok: true}
	if len(seg) >= 5 {
		rt.member = un(seg[4])
	}
	if len(seg) == 6 {
		rt.verb = seg[5]
	}
	return rt
}

func (c Config) handle(s *vendorfake.Server, w http.ResponseWriter, r *http.Request, rec Request) {
	fail := func(k vendorfake.Kind, field string) {
		s.WriteProblem(w, rec.Path, vendorfake.Problem{Kind: k, Field: field})
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != c.AuthID || pass != c.AuthToken {
		fail(vendorfake.Unauthorized, "")
		return
	}
	rt := routeOf(rec.Path)
	switch {
	case !rt.ok || rt.verb != "" && rt.verb != "Mute" && rt.verb != "Deaf" && rt.verb != "Play":
		fail(vendorfake.NotFound, "")
		return
	case rt.account != c.AuthID:
		fail(vendorfake.Forbidden, "")
		return
	case rt.member == "" && r.Method == http.MethodGet:
		conference(s, w, rt, func() { fail(vendorfake.NotFound, "") })
		return
	case rt.member == "" || rt.verb == "" && r.Method != http.MethodDelete || rt.verb == "Play" && r.Method != http.MethodPost ||
		r.Method != http.MethodPost && r.Method != http.MethodDelete:
		w.Header().Set("Allow", allow(rt))
		fail(vendorfake.MethodNotAllowed, "")
		return
	case rt.verb == "":
		if !s.Remove(rt.account, rt.conference, rt.member) {
			fail(vendorfake.NotFound, "")
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var body map[string]json.RawMessage
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			fail(vendorfake.UnsupportedMediaType, "")
			return
		}
		if json.Unmarshal(rec.Body, &body) != nil || body == nil {
			fail(vendorfake.BadForm, "body")
			return
		}
	}
	on := r.Method == http.MethodPost
	_, prob := s.Modify(rt.account, rt.conference, rt.member, func(p *Participant) *vendorfake.Problem {
		switch rt.verb {
		case "Mute":
			p.Muted = on
		case "Deaf":
			p.Hold = on
		case "Play":
			var u string
			if json.Unmarshal(body["url"], &u) != nil || !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return &vendorfake.Problem{Kind: vendorfake.InvalidURL, Field: "url"}
			}
			p.AnnounceURL = u
		}
		return nil
	})
	switch {
	case prob != nil:
		s.WriteProblem(w, rec.Path, *prob)
	case !on:
		w.WriteHeader(http.StatusNoContent)
	case rt.verb == "Play":
		vendorfake.WriteJSON(w, http.StatusAccepted, map[string]any{"message": "play queued into conference",
			"member_id": []string{rt.member}, "api_id": vendorfake.UUID()})
	default:
		vendorfake.WriteJSON(w, http.StatusAccepted, map[string]any{"message": map[string]string{"Mute": "muted", "Deaf": "deaf"}[rt.verb],
			"member_id": rt.member, "api_id": vendorfake.UUID()})
	}
}

func allow(rt route) string {
	switch {
	case rt.member == "":
		return "GET"
	case rt.verb == "":
		return "DELETE"
	case rt.verb == "Play":
		return "POST"
	}
	return "POST, DELETE"
}

// member is one entry of the conference's members, as Plivo documents it.
type member struct {
	Muted      bool   `json:"muted"`
	MemberID   string `json:"member_id"`
	Deaf       bool   `json:"deaf"`
	From       string `json:"from"`
	To         string `json:"to"`
	CallerName string `json:"caller_name"`
	Direction  string `json:"direction"`
	CallUUID   string `json:"call_uuid"`
	JoinTime   string `json:"join_time"`
}

func conference(s *vendorfake.Server, w http.ResponseWriter, rt route, notFound func()) {
	ps, known := s.Members(rt.account, rt.conference)
	if !known {
		notFound()
		return
	}
	members := make([]member, len(ps))
	for i, p := range ps {
		members[i] = member{Muted: p.Muted, MemberID: p.CallID, Deaf: p.Hold, From: "+15550100" + fmt.Sprint(i%10),
			To: "sip:" + rt.conference + "@phone.plivo.com", CallerName: p.Label, Direction: "inbound",
			CallUUID: vendorfake.UUID(), JoinTime: p.Created.Format("2006-01-02 15:04:05-07:00")}
	}
	vendorfake.WriteJSON(w, http.StatusOK, map[string]any{"conference_name": rt.conference, "conference_run_time": "590",
		"conference_member_count": strconv.Itoa(len(members)), "members": members, "api_id": vendorfake.UUID()})
}
