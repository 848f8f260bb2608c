package signalwire_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/signalwire"
	"github.com/carrierkit/carrierkit/providers/signalwire/signalwiretest"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

const testToken = "PTsw_9a1c7e3f0b2d4c6e8a"

type harness struct{}

func (harness) MakeEnv(t *testing.T) *conformance.Env {
	project := signalwiretest.NewID()
	fake := signalwiretest.New(signalwiretest.Config{ProjectID: project, APIToken: testToken})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	token := base64.StdEncoding.EncodeToString([]byte(project + ":" + testToken))
	return &conformance.Env{
		Backend: fake,
		Account: project,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: project, Conference: signalwiretest.NewID(),
				CallID: signalwiretest.NewID(), Status: "in-progress"}
		},
		NewUpdater: func(opts driver.Options) (participant.Updater, error) {
			return signalwire.New(signalwire.Config{ProjectID: project, APIToken: testToken,
				BaseURL: srv.URL + signalwiretest.Root, Options: opts})
		},
		NewBadAuthUpdater: func(opts driver.Options) (participant.Updater, error) {
			return signalwire.New(signalwire.Config{ProjectID: project, APIToken: "wrong",
				BaseURL: srv.URL + signalwiretest.Root, Options: opts})
		},
		Authorization: "Basic " + token,
		Secrets:       []string{testToken, token},
	}
}

func participantPath(a, c, call string) string {
	return "/api/laml/2010-04-01/Accounts/" + a + "/Conferences/" + c + "/Participants/" + call + ".json"
}

func (harness) Contract() conformance.Contract {
	names := twiliotest.FormNames(participant.FieldBeepOnExit, participant.FieldEndConferenceOnExit)
	withRef := func(edit func(*participant.Ref)) func(participant.Ref) participant.Ref {
		return func(r participant.Ref) participant.Ref { edit(&r); return r }
	}
	return conformance.Contract{
		Provider:         signalwire.Name,
		Fields:           conformance.FieldSet(names),
		Update:           conformance.RequestContract{Method: http.MethodPost, Path: participantPath, ContentType: "application/x-www-form-urlencoded"},
		Fetch:            conformance.RequestContract{Method: http.MethodGet, Path: participantPath},
		Remove:           conformance.RequestContract{Method: http.MethodDelete, Path: participantPath},
		Body:             conformance.FormBody(names),
		MutedKey:         "muted",
		CompletedStatus:  "completed",
		ValidCallToCoach: signalwiretest.NewID,
		Errors: []conformance.ErrorCase{
			{Name: "NotFound", Status: 404, Code: "20404", Want: participant.CodeNotFound},
			{Name: "AuthenticationFailed", Status: 401, Code: "20003", Want: participant.CodeUnauthenticated},
			{Name: "TooManyRequests", Status: 429, Code: "20429", Want: participant.CodeRateLimited},
			{Name: "InvalidURL", Status: 400, Code: "21205", Want: participant.CodeInvalidArgument},
			{Name: "CallNotInProgress", Status: 400, Code: "21220", Want: participant.CodeFailedPrecondition},
			{Name: "InternalError", Status: 500, Code: "20500", Want: participant.CodeUnavailable},
		},
		InvalidRefs: []conformance.RefCase{
			{Name: "AccountTwilioSID", Ref: withRef(func(r *participant.Ref) { r.Account = "AC0123456789abcdef0123456789abcdef" }), Field: "Ref.Account"},
			{Name: "ConferenceNotUUID", Ref: withRef(func(r *participant.Ref) { r.Conference = "MyRoom" }), Field: "Ref.Conference"},
			{Name: "CallIsLabel", Ref: withRef(func(r *participant.Ref) { r.Call = "agent" }), Field: "Ref.Call"},
		},
		VendorError: func(err error) bool {
			var e *signalwire.APIError
			var tw *twilio.APIError
			return errors.As(err, &e) && errors.As(err, &tw)
		},
	}
}

func TestConformance(t *testing.T) { conformance.Run(t, harness{}) }
