package twilio_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/router"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

type harness struct {
	spec *spectest.Validator
}

const (
	testToken  = "tok_3f9c2b7e51d04a8a9e6b"
	testSecret = "sec_8d1e7a2c94b34f0f8a51"
)

const testKey = "SK0123456789abcdef0123456789abcdef"

func (h *harness) MakeEnv(t *testing.T) *conformance.Env {
	account := twiliotest.NewAccountSID()
	fake := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: testToken,
		APIKeys: map[string]string{testKey: testSecret}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	env := &conformance.Env{
		Backend: fake,
		Account: account,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: account, Conference: twiliotest.NewConferenceSID(),
				CallID: twiliotest.NewCallSID(), Status: "connected"}
		},
		NewUpdater: func(opts driver.Options) (participant.Updater, error) {
			return twilio.New(twilio.Config{AccountSID: account, AuthToken: testToken, BaseURL: srv.URL, Options: opts})
		},
		NewBadAuthUpdater: func(opts driver.Options) (participant.Updater, error) {
			return twilio.New(twilio.Config{AccountSID: account, AuthToken: "wrong", BaseURL: srv.URL, Options: opts})
		},
		Authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte(account+":"+testToken)),
		Secrets:       []string{testToken, base64.StdEncoding.EncodeToString([]byte(account + ":" + testToken))},
	}
	if h.spec != nil {
		env.ValidateRequest = h.spec.ValidateRequest
	}
	return env
}

func (h *harness) Contract() conformance.Contract {
	return conformance.Contract{
		Provider:         twilio.Name,
		Fields:           conformance.FieldSet(twiliotest.FormNames()),
		Update:           conformance.RequestContract{Method: http.MethodPost, Path: participantPath, ContentType: "application/x-www-form-urlencoded"},
		Fetch:            conformance.RequestContract{Method: http.MethodGet, Path: participantPath},
		Remove:           conformance.RequestContract{Method: http.MethodDelete, Path: participantPath},
		Body:             conformance.FormBody(twiliotest.FormNames()),
		MutedKey:         "muted",
		CompletedStatus:  "complete",
		ValidCallToCoach: twiliotest.NewCallSID,
		Errors: []conformance.ErrorCase{
			{Name: "NotFound", Status: 404, Code: "20404", Want: participant.CodeNotFound},
			{Name: "AuthenticationFailed", Status: 401, Code: "20003", Want: participant.CodeUnauthenticated},
			{Name: "AccountSuspended", Status: 401, Code: "20005", Want: participant.CodePermissionDenied},
			{Name: "Forbidden", Status: 403, Code: "20403", Want: participant.CodePermissionDenied},
			{Name: "TooManyRequests", Status: 429, Code: "20429", Want: participant.CodeRateLimited},
			{Name: "InvalidURL", Status: 400, Code: "21205", Want: participant.CodeInvalidArgument},
			{Name: "CallNotInProgress", Status: 400, Code: "21220", Want: participant.CodeFailedPrecondition},
			{Name: "InternalError", Status: 500, Code: "20500", Want: participant.CodeUnavailable},
			{Name: "ServiceUnavailable", Status: 503, Code: "20503", Want: participant.CodeUnavailable},
		},
		InvalidRefs: []conformance.RefCase{
			{Name: "AccountNotSID", Ref: func(r participant.Ref) participant.Ref { r.Account = "my-account"; return r }, Field: "Ref.Account"},
			{Name: "AccountWrongPrefix", Ref: func(r participant.Ref) participant.Ref {
				r.Account = "CF" + r.Conference[2:]
				return r
			}, Field: "Ref.Account"},
			{Name: "ConferenceNotSID", Ref: func(r participant.Ref) participant.Ref { r.Conference = "MyRoom"; return r }, Field: "Ref.Conference"},
			{Name: "ConferenceNotHex", Ref: func(r participant.Ref) participant.Ref {
				r.Conference = "CF" + "zz" + r.Conference[4:]
				return r
			}, Field: "Ref.Conference"},
		},
		VendorError: func(err error) bool {
			var e *twilio.APIError
			return errors.As(err, &e)
		},
	}
}

func participantPath(a, c, call string) string {
	return "/2010-04-01/Accounts/" + a + "/Conferences/" + c + "/Participants/" + call + ".json"
}

func TestConformance(t *testing.T) {
	spec := spectest.Open(t, twilio.SpecFile, twilio.SpecRoot)
	h := &harness{spec: spec}
	conformance.Run(t, h)
	if spec != nil {
		t.Logf("contract: %d requests validated against %s", spec.Validated.Load(), twilio.SpecFile)
	}
}

// routerHarness runs the suite on a router of one carrier with one
// endpoint: routing and the breaker must not change what the adapter does.
// The router makes one attempt (MaxRetries 0); the adapter keeps the
// suite's retry policy.
type routerHarness struct{ *harness }

func (h routerHarness) MakeEnv(t *testing.T) *conformance.Env {
	env := h.harness.MakeEnv(t)
	wrap := func(open func(driver.Options) (participant.Updater, error)) func(driver.Options) (participant.Updater, error) {
		return func(opts driver.Options) (participant.Updater, error) {
			u, err := open(opts)
			if err != nil {
				return nil, err
			}
			r, err := router.New(router.Options{Logger: opts.Logger}, router.Carrier{Name: "us", Account: env.Account,
				Endpoints: []router.Endpoint{{Driver: u}}, Policy: router.Policy{Retry: &driver.RetryPolicy{MaxRetries: 0}}})
			if err != nil {
				return nil, err
			}
			return r.Client(), nil
		}
	}
	env.NewUpdater, env.NewBadAuthUpdater = wrap(env.NewUpdater), wrap(env.NewBadAuthUpdater)
	return env
}

func TestConformanceThroughRouter(t *testing.T) {
	conformance.Run(t, routerHarness{&harness{spec: spectest.Open(t, twilio.SpecFile, twilio.SpecRoot)}})
}
