package bandwidth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
	"github.com/carrierkit/carrierkit/providers/bandwidth/bandwidthtest"
)

const (
	testUser     = "api-user-7"
	testPassword = "pw_5c1d9e2a7b3f40c8"
)

type harness struct{ spec *spectest.Validator }

func (h *harness) MakeEnv(t *testing.T) *conformance.Env {
	account := bandwidthtest.NewAccountID()
	fake := bandwidthtest.New(bandwidthtest.Config{AccountID: account, Username: testUser, Password: testPassword})
	var handler http.Handler = fake
	if h.spec != nil {
		handler = h.spec.CheckResponses(t, fake)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	token := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	env := &conformance.Env{
		Backend: fake,
		Account: account,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: account, Conference: bandwidthtest.NewConferenceID(),
				CallID: bandwidthtest.NewCallID(), Status: "connected"}
		},
		NewUpdater: func(opts driver.Options) (participant.Updater, error) {
			return bandwidth.New(bandwidth.Config{AccountID: account, Username: testUser, Password: testPassword,
				BaseURL: srv.URL + bandwidthtest.PathPrefix, Options: opts})
		},
		NewBadAuthUpdater: func(opts driver.Options) (participant.Updater, error) {
			return bandwidth.New(bandwidth.Config{AccountID: account, Username: testUser, Password: "wrong",
				BaseURL: srv.URL + bandwidthtest.PathPrefix, Options: opts})
		},
		Authorization: "Basic " + token,
		Secrets:       []string{testPassword, token},
	}
	if h.spec != nil {
		env.ValidateRequest = h.spec.ValidateRequest
	}
	return env
}

func memberPath(a, c, call string) string {
	return "/api/v2/accounts/" + a + "/conferences/" + c + "/members/" + call
}

// body is updateConferenceMember as the spec describes it: only the fields
// set; coaching is the list of calls to coach, empty to stop.
func body(req participant.UpdateRequest) conformance.Body {
	m := map[string]any{}
	if req.Muted != nil {
		m["mute"] = *req.Muted
	}
	if req.Hold != nil {
		m["hold"] = *req.Hold
	}
	switch {
	case req.CallToCoach != nil:
		m["callIdsToCoach"] = []string{*req.CallToCoach}
	case req.Coaching != nil && !*req.Coaching:
		m["callIdsToCoach"] = []string{}
	}
	b, _ := json.Marshal(m)
	return conformance.Body{JSON: string(b)}
}

func (h *harness) Contract() conformance.Contract {
	withRef := func(edit func(*participant.Ref)) func(participant.Ref) participant.Ref {
		return func(r participant.Ref) participant.Ref { edit(&r); return r }
	}
	return conformance.Contract{
		Provider: bandwidth.Name,
		Fields: participant.NewFieldSet(participant.FieldMuted, participant.FieldHold, participant.FieldCoaching,
			participant.FieldCallToCoach),
		Update:           conformance.RequestContract{Method: http.MethodPut, Path: memberPath, ContentType: "application/json"},
		Fetch:            conformance.RequestContract{Method: http.MethodGet, Path: memberPath},
		ReadBack:         true,
		SinglePageList:   true, // getConference answers every active member at once
		Body:             body,
		MutedKey:         "mute",
		Omits:            conformance.Omits{Status: true, Times: true},
		ValidCallToCoach: bandwidthtest.NewCallID,
		Errors: []conformance.ErrorCase{
			{Name: "Validation", Status: 400, Code: "validation", Want: participant.CodeInvalidArgument},
			{Name: "Unauthorized", Status: 401, Code: "unauthorized", Want: participant.CodeUnauthenticated},
			{Name: "Forbidden", Status: 403, Code: "forbidden", Want: participant.CodePermissionDenied},
			{Name: "NotFound", Status: 404, Code: "not-found", Want: participant.CodeNotFound},
			{Name: "Conflict", Status: 409, Code: "conflict", Want: participant.CodeFailedPrecondition},
			{Name: "UnsupportedMediaType", Status: 415, Code: "unsupported-media-type", Want: participant.CodeInvalidArgument},
			{Name: "TooManyRequests", Status: 429, Code: "too-many-requests", Want: participant.CodeRateLimited},
			{Name: "InternalServerError", Status: 500, Code: "internal-server-error", Want: participant.CodeUnavailable},
			// The spec's examples give every status the type "validation":
			// the status decides the class.
			{Name: "ValidationTypeOn404", Status: 404, Code: "validation", Want: participant.CodeNotFound},
			{Name: "ValidationTypeOn429", Status: 429, Code: "validation", Want: participant.CodeRateLimited},
		},
		InvalidRefs: []conformance.RefCase{
			{Name: "AccountNotDigits", Ref: withRef(func(r *participant.Ref) { r.Account = "acct-1" }), Field: "Ref.Account"},
			{Name: "ConferenceNotConf", Ref: withRef(func(r *participant.Ref) { r.Conference = "MyRoom" }), Field: "Ref.Conference"},
			{Name: "ConferenceIsCall", Ref: withRef(func(r *participant.Ref) { r.Conference = "c-" + r.Conference[5:] }), Field: "Ref.Conference"},
			{Name: "CallIsLabel", Ref: withRef(func(r *participant.Ref) { r.Call = "agent" }), Field: "Ref.Call"},
			{Name: "CallWithSlash", Ref: withRef(func(r *participant.Ref) { r.Call = "c-12/../34" }), Field: "Ref.Call"},
		},
		VendorError: func(err error) bool {
			var e *bandwidth.APIError
			return errors.As(err, &e)
		},
	}
}

func TestConformance(t *testing.T) {
	spec := spectest.Open(t, bandwidth.SpecFile, bandwidth.SpecRoot)
	conformance.Run(t, &harness{spec: spec})
	if spec != nil {
		t.Logf("contract: %d requests and %d fake responses validated against %s",
			spec.Validated.Load()-spec.Responses.Load(), spec.Responses.Load(), bandwidth.SpecFile)
	}
}
