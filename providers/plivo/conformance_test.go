package plivo_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/plivo"
	"github.com/carrierkit/carrierkit/providers/plivo/plivotest"
)

const testToken = "plivo_token_5c1d9e2a7b3f40c8"

type harness struct{}

// env starts a Plivo fake and returns it with its server's URL.
func newFake(t *testing.T) (*plivotest.Server, string, string) {
	authID := plivotest.NewAuthID()
	fake := plivotest.New(plivotest.Config{AuthID: authID, AuthToken: testToken})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv.URL + "/v1", authID
}

func (harness) MakeEnv(t *testing.T) *conformance.Env {
	fake, base, authID := newFake(t)
	token := base64.StdEncoding.EncodeToString([]byte(authID + ":" + testToken))
	open := func(tok string) func(driver.Options) (participant.Updater, error) {
		return func(opts driver.Options) (participant.Updater, error) {
			return plivo.New(plivo.Config{AuthID: authID, AuthToken: tok, BaseURL: base, Options: opts})
		}
	}
	return &conformance.Env{
		Backend: fake,
		Account: authID,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: authID, Conference: "room-" + vendorfake.HexID("")[:8],
				CallID: plivotest.NewMemberID(), Status: "connected"}
		},
		NewUpdater:        open(testToken),
		NewBadAuthUpdater: open("wrong-token"),
		Authorization:     "Basic " + token,
		Secrets:           []string{testToken, token},
	}
}

func memberPath(verb string) func(a, c, call string) string {
	return func(a, c, call string) string {
		return "/v1/Account/" + a + "/Conference/" + c + "/Member/" + call + "/" + verb
	}
}

func conferencePath(a, c, _ string) string { return "/v1/Account/" + a + "/Conference/" + c + "/" }

// steps are Plivo's calls for req, as its docs give them: mute before deaf,
// undeaf before unmute, Play last; unhold unmutes unless Muted=true; a
// hold without Muted reads the member first and mutes only an unmuted one.
func steps(req participant.UpdateRequest, before conformance.Participant) []conformance.Step {
	M, H := participant.NewFieldSet(participant.FieldMuted), participant.NewFieldSet(participant.FieldHold)
	call := func(name, method, verb, body string, fields participant.FieldSet) conformance.Step {
		s := conformance.Step{Name: name, RequestContract: conformance.RequestContract{Method: method, Path: memberPath(verb)},
			Fields: fields}
		if method == http.MethodPost {
			s.ContentType, s.Body = "application/json", conformance.Body{JSON: body}
		}
		return s
	}
	var out []conformance.Step
	muted, hold := req.Muted, req.Hold
	holding, unholding := hold != nil && *hold, hold != nil && !*hold
	if holding && muted == nil {
		out = append(out, conformance.Step{Name: "read", RequestContract: conformance.RequestContract{Method: http.MethodGet,
			Path: conferencePath}})
	}
	if unholding {
		f := participant.FieldSet(0)
		if muted != nil && *muted {
			f = H
		}
		out = append(out, call("undeaf", http.MethodDelete, "Deaf/", "", f))
	}
	switch {
	case muted != nil && *muted:
		out = append(out, call("mute", http.MethodPost, "Mute/", "{}", M))
	case holding && muted == nil && !before.Muted:
		out = append(out, call("mute", http.MethodPost, "Mute/", "{}", 0))
	case muted != nil || unholding:
		f := participant.FieldSet(0)
		if muted != nil && !holding { // with Hold=true, Muted=false is applied with the hold
			f |= M
		}
		if unholding {
			f |= H
		}
		out = append(out, call("unmute", http.MethodDelete, "Mute/", "", f))
	}
	if holding {
		f := H
		if muted != nil && !*muted {
			f |= M
		}
		out = append(out, call("deaf", http.MethodPost, "Deaf/", "{}", f))
	}
	if req.AnnounceURL != nil {
		b, _ := json.Marshal(map[string]string{"url": *req.AnnounceURL})
		out = append(out, call("play", http.MethodPost, "Play/", string(b), participant.NewFieldSet(participant.FieldAnnounceURL)))
	}
	return out
}

func (harness) Contract() conformance.Contract {
	withRef := func(edit func(*participant.Ref)) func(participant.Ref) participant.Ref {
		return func(r participant.Ref) participant.Ref { edit(&r); return r }
	}
	return conformance.Contract{
		Provider:         plivo.Name,
		Fields:           participant.NewFieldSet(participant.FieldMuted, participant.FieldHold, participant.FieldAnnounceURL),
		Steps:            steps,
		Fetch:            conformance.RequestContract{Method: http.MethodGet, Path: conferencePath},
		Remove:           conformance.RequestContract{Method: http.MethodDelete, Path: memberPath("")},
		ReadBack:         true,
		SinglePageList:   true, // GET /Conference/{name}/ lists every member
		MutedKey:         "muted",
		Omits:            conformance.Omits{Status: true, Times: true},
		ValidCallToCoach: plivotest.NewMemberID,
		Errors: []conformance.ErrorCase{
			{Name: "BadRequest", Status: 400, Want: participant.CodeInvalidArgument},
			{Name: "Unauthorized", Status: 401, Want: participant.CodeUnauthenticated},
			{Name: "NotFound", Status: 404, Want: participant.CodeNotFound},
			{Name: "MethodNotAllowed", Status: 405, Want: participant.CodeUnknown},
			{Name: "TooManyRequests", Status: 429, Want: participant.CodeRateLimited},
			{Name: "ServerError", Status: 500, Want: participant.CodeUnavailable},
		},
		InvalidRefs: []conformance.RefCase{
			{Name: "AccountNotAuthID", Ref: withRef(func(r *participant.Ref) { r.Account = "acct-1" }), Field: "Ref.Account"},
			{Name: "CallAll", Ref: withRef(func(r *participant.Ref) { r.Call = "all" }), Field: "Ref.Call"},
			{Name: "CallList", Ref: withRef(func(r *participant.Ref) { r.Call = "10,11" }), Field: "Ref.Call"},
			{Name: "CallIsLabel", Ref: withRef(func(r *participant.Ref) { r.Call = "agent" }), Field: "Ref.Call"},
		},
		VendorError: func(err error) bool {
			var e *plivo.APIError
			return errors.As(err, &e)
		},
	}
}

func TestConformance(t *testing.T) { conformance.Run(t, harness{}) }
