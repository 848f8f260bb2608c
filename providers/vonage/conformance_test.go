package vonage_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/vonage"
	"github.com/carrierkit/carrierkit/providers/vonage/vonagetest"
)

// keys are two fresh application keys, made once: the harness's and a
// wrong one.
var keys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var out [2]*rsa.PrivateKey
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out[i] = k
	}
	return out
})

func pemOf(k *rsa.PrivateKey) []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

type harness struct{ spec *spectest.Validator }

func (h *harness) MakeEnv(t *testing.T) *conformance.Env {
	app := vendorfake.UUID()
	key := keys()[0]
	fake := vonagetest.New(vonagetest.Config{ApplicationID: app, PublicKey: &key.PublicKey})
	var handler http.Handler = fake
	if h.spec != nil {
		handler = h.spec.CheckResponses(t, fake)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	open := func(k *rsa.PrivateKey) func(driver.Options) (participant.Updater, error) {
		return func(opts driver.Options) (participant.Updater, error) {
			return vonage.New(vonage.Config{ApplicationID: app, PrivateKey: pemOf(k), BaseURL: srv.URL, Options: opts})
		}
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	env := &conformance.Env{
		Backend: fake,
		Account: app,
		NewParticipant: func() conformance.Participant {
			return conformance.Participant{Account: app, Conference: vonagetest.NewConversationID(), CallID: vendorfake.UUID(),
				Status: "answered"}
		},
		NewUpdater:        open(key),
		NewBadAuthUpdater: open(keys()[1]),
		// Each request's token: signed by the application's key, for the
		// application, short-lived, with a jti never seen before.
		CheckAuthorization: func(v string) error {
			raw, ok := strings.CutPrefix(v, "Bearer ")
			if !ok {
				return fmt.Errorf("not a Bearer token: %.12q", v)
			}
			claims := jwt.MapClaims{}
			if _, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
				jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt()); err != nil {
				return err
			}
			iat, _ := claims.GetIssuedAt()
			exp, _ := claims.GetExpirationTime()
			jti, _ := claims["jti"].(string)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case claims["application_id"] != app:
				return errors.New("application_id is not the application")
			case iat == nil || exp.Sub(iat.Time) > vonage.DefaultTokenTTL:
				return fmt.Errorf("exp %v is not within %v of iat", exp, vonage.DefaultTokenTTL)
			case jti == "" || seen[jti]:
				return fmt.Errorf("jti %q is empty or was sent before", jti)
			}
			seen[jti] = true
			return nil
		},
		Secrets: []string{string(pemOf(key))},
	}
	if h.spec != nil {
		env.ValidateRequest = h.spec.ValidateRequest
	}
	return env
}

func callPath(_, _, call string) string { return "/v1/calls/" + call }

func act(name string) string { return `{"action":"` + name + `"}` }

// steps are Vonage's calls for req: one action per PUT, mute before
// earmuff, unearmuff before unmute, the stream last; unhold unmutes unless
// Muted=true. Nothing is read: a leg's mute cannot be.
func steps(req participant.UpdateRequest, _ conformance.Participant) []conformance.Step {
	M, H := participant.NewFieldSet(participant.FieldMuted), participant.NewFieldSet(participant.FieldHold)
	put := func(name string, fields participant.FieldSet) conformance.Step {
		return conformance.Step{Name: name, RequestContract: conformance.RequestContract{Method: http.MethodPut, Path: callPath,
			ContentType: "application/json"}, Body: conformance.Body{JSON: act(name)}, Fields: fields}
	}
	var out []conformance.Step
	muted, hold := req.Muted, req.Hold
	holding, unholding := hold != nil && *hold, hold != nil && !*hold
	if unholding {
		f := participant.FieldSet(0)
		if muted != nil && *muted {
			f = H
		}
		out = append(out, put("unearmuff", f))
	}
	switch {
	case muted != nil && *muted:
		out = append(out, put("mute", M))
	case holding && muted == nil:
		out = append(out, put("mute", 0))
	case muted != nil || unholding:
		f := participant.FieldSet(0)
		if muted != nil && !holding { // with Hold=true, Muted=false is applied with the hold
			f |= M
		}
		if unholding {
			f |= H
		}
		out = append(out, put("unmute", f))
	}
	if holding {
		f := H
		if muted != nil && !*muted {
			f |= M
		}
		out = append(out, put("earmuff", f))
	}
	if req.AnnounceURL != nil {
		b, _ := json.Marshal(map[string]any{"stream_url": []string{*req.AnnounceURL}, "loop": 1})
		out = append(out, conformance.Step{Name: "stream", RequestContract: conformance.RequestContract{Method: http.MethodPut,
			Path: func(_, _, call string) string { return "/v1/calls/" + call + "/stream" }, ContentType: "application/json"},
			Body: conformance.Body{JSON: string(b)}, Fields: participant.NewFieldSet(participant.FieldAnnounceURL)})
	}
	return out
}

func (h *harness) Contract() conformance.Contract {
	withRef := func(edit func(*participant.Ref)) func(participant.Ref) participant.Ref {
		return func(r participant.Ref) participant.Ref { edit(&r); return r }
	}
	return conformance.Contract{
		Provider:         vonage.Name,
		Fields:           participant.NewFieldSet(participant.FieldMuted, participant.FieldHold, participant.FieldAnnounceURL),
		Steps:            steps,
		Fetch:            conformance.RequestContract{Method: http.MethodGet, Path: callPath},
		Remove:           conformance.RequestContract{Method: http.MethodPut, Path: callPath, ContentType: "application/json"},
		RemoveBody:       conformance.Body{JSON: act("hangup")},
		Omits:            conformance.Omits{Times: true},
		ListFilters:      true,
		CompletedStatus:  "completed",
		ValidCallToCoach: vendorfake.UUID,
		Errors: []conformance.ErrorCase{
			{Name: "BadRequest", Status: 400, Code: "bad-request", Want: participant.CodeInvalidArgument},
			{Name: "Unauthorized", Status: 401, Code: "unauthorized", Want: participant.CodeUnauthenticated},
			{Name: "NotFound", Status: 404, Code: "not-found", Want: participant.CodeNotFound},
			{Name: "Throttled", Status: 429, Code: "throttled", Want: participant.CodeRateLimited},
			{Name: "InternalError", Status: 500, Code: "internal-error", Want: participant.CodeUnavailable},
		},
		InvalidRefs: []conformance.RefCase{
			{Name: "AccountNotApplication", Ref: withRef(func(r *participant.Ref) { r.Account = "acct-1" }), Field: "Ref.Account"},
			{Name: "ConferenceNotConversation", Ref: withRef(func(r *participant.Ref) { r.Conference = r.Conference[4:] }), Field: "Ref.Conference"},
			{Name: "CallIsLabel", Ref: withRef(func(r *participant.Ref) { r.Call = "agent" }), Field: "Ref.Call"},
		},
		VendorError: func(err error) bool {
			var e *vonage.ProblemError
			return errors.As(err, &e)
		},
	}
}

func TestConformance(t *testing.T) {
	spec := spectest.Open(t, vonage.SpecFile, vonage.SpecRoot)
	conformance.Run(t, &harness{spec: spec})
	if spec != nil {
		t.Logf("contract: %d requests and %d fake responses validated against %s",
			spec.Validated.Load()-spec.Responses.Load(), spec.Responses.Load(), vonage.SpecFile)
	}
}
