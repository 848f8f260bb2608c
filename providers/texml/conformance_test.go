package texml_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

const testKey = "KEY0185E1B1C0A04DDBA1A7A3E5E7C0F2B1_x9Qz"

type harness struct{ spec *spectest.Validator }

func (h *harness) MakeEnv(t *testing.T) *conformance.Env {
	account := texmltest.NewAccountID()
	fake := texmltest.New(texmltest.Config{APIKey: testKey})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	env := &conformance.Env{
		Backend: fake,
		Account: account,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: account, Conference: texmltest.NewConferenceID(),
				CallID: texmltest.NewCallID(), Status: "connected"}
		},
		NewUpdater: func(opts driver.Options) (participant.Updater, error) {
			return texml.New(texml.Config{APIKey: testKey, Account: account, BaseURL: srv.URL + "/v2", Options: opts})
		},
		NewBadAuthUpdater: func(opts driver.Options) (participant.Updater, error) {
			return texml.New(texml.Config{APIKey: "KEYwrong", Account: account, BaseURL: srv.URL + "/v2", Options: opts})
		},
		Authorization: "Bearer " + testKey,
		Secrets:       []string{testKey},
	}
	if h.spec != nil {
		env.ValidateRequest = h.spec.ValidateRequest
	}
	return env
}

func (h *harness) Contract() conformance.Contract {
	return conformance.Contract{
		Provider:         texml.Name,
		Fields:           conformance.FieldSet(twiliotest.FormNames(participant.FieldWaitMethod)),
		Update:           conformance.RequestContract{Method: http.MethodPost, Path: participantPath, ContentType: "application/x-www-form-urlencoded"},
		Fetch:            conformance.RequestContract{Method: http.MethodGet, Path: participantPath},
		Remove:           conformance.RequestContract{Method: http.MethodDelete, Path: participantPath},
		Body:             conformance.FormBody(twiliotest.FormNames(participant.FieldWaitMethod)),
		MutedKey:         "muted",
		CompletedStatus:  "completed",
		ValidCallToCoach: texmltest.NewCallID,
		Errors: []conformance.ErrorCase{
			{Name: "AuthenticationFailed", Status: 401, Code: "10009", Want: participant.CodeUnauthenticated},
			{Name: "UnexpectedErrorAs401", Status: 401, Code: "10007", Want: participant.CodeUnauthenticated},
			{Name: "UnexpectedErrorAs500", Status: 500, Code: "10007", Want: participant.CodeUnavailable},
			{Name: "NotAuthorized", Status: 403, Code: "10010", Want: participant.CodePermissionDenied},
			{Name: "ResourceNotFound", Status: 404, Code: "10005", Want: participant.CodeNotFound},
			{Name: "ValidationFailed", Status: 422, Code: "10015", Want: participant.CodeInvalidArgument},
			{Name: "InvalidEnum", Status: 422, Code: "10032", Want: participant.CodeInvalidArgument},
			{Name: "MissingParameter", Status: 422, Code: "10004", Want: participant.CodeInvalidArgument},
			{Name: "CallEnded", Status: 422, Code: "90018", Want: participant.CodeFailedPrecondition},
			{Name: "ConferenceEnded", Status: 422, Code: "90019", Want: participant.CodeFailedPrecondition},
			{Name: "ParticipantOnHold", Status: 422, Code: "90047", Want: participant.CodeFailedPrecondition},
			{Name: "TooManyRequests", Status: 429, Code: "10011", Want: participant.CodeRateLimited},
			{Name: "ServiceUnavailable", Status: 503, Code: "10008", Want: participant.CodeUnavailable},
		},
		VendorError: func(err error) bool {
			var e *texml.APIError
			return errors.As(err, &e)
		},
	}
}

func participantPath(a, c, call string) string {
	return "/v2/texml/Accounts/" + a + "/Conferences/" + c + "/Participants/" + call
}

func TestConformance(t *testing.T) {
	spec := spectest.Open(t, texml.SpecFile, texml.SpecRoot)
	conformance.Run(t, &harness{spec: spec})
	if spec != nil {
		t.Logf("contract: %d requests validated against %s", spec.Validated.Load(), texml.SpecFile)
	}
}
