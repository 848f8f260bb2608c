package httpdriver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// acme is a driver for a made-up carrier: members are updated with a form
// POST answered with the member as JSON, and errors are {"error": …}.
var acme = httpdriver.Dialect{
	Provider: "acme",
	Wire:     map[participant.Field]string{participant.FieldMuted: "muted", participant.FieldHold: "hold"},
	Update: &httpdriver.Operation{Method: http.MethodPost, Body: httpdriver.FormBody,
		Path: httpdriver.MustPath("/v1/accounts/{account}/conferences/{conference}/members/{call}"),
		Decode: func(body []byte) (*participant.Participant, error) {
			var m struct {
				ID    string `json:"id"`
				Muted bool   `json:"muted"`
			}
			err := json.Unmarshal(body, &m)
			return &participant.Participant{CallID: m.ID, Muted: m.Muted}, err
		}},
	Check: func(_ string, ref participant.Ref, _ participant.UpdateRequest) (field, rule string) {
		if !strings.HasPrefix(ref.Call, "m-") {
			return "Ref.Call", "must be an acme member id, m-…"
		}
		return "", ""
	},
	DecodeError: func(body []byte) (code, message string, vendorErr error) {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			return "", "", nil
		}
		return e.Error, e.Error, errors.New("acme: " + e.Error)
	},
	Codes: map[string]participant.Code{"no_such_member": participant.CodeNotFound},
}

// newAcme is the driver package's New: it checks the settings and wraps
// the engine in the portable client.
func newAcme(baseURL, account, apiKey string, opts driver.Options) (*carrierkit.Client, error) {
	if err := httpdriver.CheckSecret("acme", "APIKey", apiKey); err != nil {
		return nil, err
	}
	if err := httpdriver.CheckBaseURL("acme", "BaseURL", baseURL); err != nil {
		return nil, err
	}
	return carrierkit.New(httpdriver.New(&acme, httpdriver.Config{BaseURL: baseURL, Account: account,
		Authorization: "Bearer " + apiKey, Secrets: []httpdriver.Secret{{Value: apiKey}}, HTTP: opts})), nil
}

// A driver for a carrier of your own: a Dialect, and a New that wraps the
// engine in carrierkit.Client, which validates every request first.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.EscapedPath(), string(body))
		if !strings.HasSuffix(r.URL.Path, "/m-1") {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no_such_member"}`)
			return
		}
		fmt.Fprint(w, `{"id":"m-1","muted":true}`)
	}))
	defer srv.Close()

	c, err := newAcme(srv.URL, "a-7", "key-123", driver.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	conf := participant.ConferenceRef{Conference: "room 1"}
	p, err := c.Update(ctx, conf.Participant("m-1"), participant.UpdateRequest{Muted: participant.Bool(true)})
	fmt.Println(p.CallID, p.Muted, err)

	_, err = c.Update(ctx, conf.Participant("m-2"), participant.UpdateRequest{Muted: participant.Bool(false)})
	fmt.Println(errors.Is(err, participant.ErrNotFound), participant.DeliveryOf(err))

	// Refused with nothing sent: by the client (a field acme lacks), and
	// by the dialect's Check.
	_, err = c.Update(ctx, conf.Participant("m-1"), participant.UpdateRequest{BeepOnExit: participant.Bool(true)})
	fmt.Println(err)
	_, err = c.Update(ctx, conf.Participant("x"), participant.UpdateRequest{Muted: participant.Bool(true)})
	fmt.Println(err)
	// Output:
	// POST /v1/accounts/a-7/conferences/room%201/members/m-1 muted=true
	// m-1 true <nil>
	// POST /v1/accounts/a-7/conferences/room%201/members/m-2 muted=false
	// true answered
	// carrierkit acme update: unsupported: BeepOnExit: not supported by acme
	// carrierkit acme update: invalid argument: Ref.Call: must be an acme member id, m-…
}
