package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/twilio"
	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// updateFunc sends one participant update (Muted=true) and checks that the
// decoded answer says muted.
type updateFunc func(ctx context.Context) error

// clientKind makes one kind of client, pointed at a loopback server that
// answers with body. A nil rt means the client's transport as described at
// its constructor; a non-nil rt (memTransport) replaces it.
type clientKind struct {
	name string
	body string // the server's answer: twilioBody or texmlBody
	new  func(tb testing.TB, baseURL string, rt http.RoundTripper) updateFunc
}

var (
	floor            = clientKind{"floor", twilioBody, newFloor}
	twilioGo         = clientKind{"twilio-go", twilioBody, newTwilioGo}
	carrierkitTwilio = clientKind{"carrierkit-twilio", twilioBody, newCarrierkitTwilio}
	floorTexml       = clientKind{"floor-texml", texmlBody, newFloorTexml}
	carrierkitTexml  = clientKind{"carrierkit-texml", texmlBody, newCarrierkitTexml}
)

var errNotMuted = errors.New("answer does not say muted")

// floorParticipant is what the hand-written client decodes: the same
// fields carrierkit's Twilio adapter reads.
type floorParticipant struct {
	AccountSID             string `json:"account_sid"`
	CallSID                string `json:"call_sid"`
	Label                  string `json:"label"`
	ConferenceSID          string `json:"conference_sid"`
	DateCreated            string `json:"date_created"`
	DateUpdated            string `json:"date_updated"`
	EndConferenceOnExit    bool   `json:"end_conference_on_exit"`
	Muted                  bool   `json:"muted"`
	Hold                   bool   `json:"hold"`
	StartConferenceOnEnter *bool  `json:"start_conference_on_enter"`
	Coaching               bool   `json:"coaching"`
	CallSIDToCoach         string `json:"call_sid_to_coach"`
	Status                 string `json:"status"`
}

// floorTexmlParticipant is the TeXML floor's decode target: the fields
// carrierkit's TeXML adapter reads.
type floorTexmlParticipant struct {
	AccountSID          string `json:"account_sid"`
	CallSID             string `json:"call_sid"`
	ConferenceSID       string `json:"conference_sid"`
	DateCreated         string `json:"date_created"`
	DateUpdated         string `json:"date_updated"`
	EndConferenceOnExit bool   `json:"end_conference_on_exit"`
	Muted               bool   `json:"muted"`
	Hold                bool   `json:"hold"`
	Coaching            bool   `json:"coaching"`
	CoachingCallSID     string `json:"coaching_call_sid"`
	Status              string `json:"status"`
}

// floorPost is the least a hand-written client does: build the URL, POST
// the form with a precomputed Authorization header, check the status,
// decode the JSON answer into a struct, drain and close the body.
func floorPost(ctx context.Context, hc *http.Client, u, auth, form string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "floor/1.0")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// newFloor is the floor: net/http with the same pooled transport
// settings as carrierkit's default.
func newFloor(_ testing.TB, base string, rt http.RoundTripper) updateFunc {
	hc := &http.Client{Transport: orPooled(rt)}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(twAccount+":"+twToken))
	account, conference, call := twAccount, twConference, twCall
	return func(ctx context.Context) error {
		u := base + "/2010-04-01/Accounts/" + account + "/Conferences/" + conference + "/Participants/" + call + ".json"
		var p floorParticipant
		if err := floorPost(ctx, hc, u, auth, "Muted=true", &p); err != nil {
			return err
		}
		if !p.Muted {
			return errNotMuted
		}
		return nil
	}
}

func newFloorTexml(_ testing.TB, base string, rt http.RoundTripper) updateFunc {
	hc := &http.Client{Transport: orPooled(rt)}
	auth := "Bearer " + txAPIKey
	account, conference, call := txAccount, txConference, txCall
	return func(ctx context.Context) error {
		u := base + "/v2/texml/Accounts/" + account + "/Conferences/" + conference + "/Participants/" + call
		var p floorTexmlParticipant
		if err := floorPost(ctx, hc, u, auth, "Muted=true", &p); err != nil {
			return err
		}
		if !p.Muted {
			return errNotMuted
		}
		return nil
	}
}

// rewriteClient is twilio-go's own client.Client, with requests for
// https://api.twilio.com sent to the loopback server instead. twilio-go's
// RequestHandler takes any BaseClient; everything else (URL building,
// url.Values encoding, credential checks, decoding) is twilio-go's.
type rewriteClient struct {
	*twclient.Client
	from, to string
}

func (c *rewriteClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	if strings.HasPrefix(rawURL, c.from) {
		rawURL = c.to + rawURL[len(c.from):]
	}
	return c.Client.SendRequest(method, rawURL, data, headers, body...)
}

// newTwilioGo is twilio-go v1.31.0's UpdateParticipant. Its HTTP client
// is twilio-go's default (no redirects, 10s timeout) but with the same
// pooled transport as the floor: by default twilio-go would use
// http.DefaultTransport, which keeps only 2 idle connections per host.
func newTwilioGo(_ testing.TB, base string, rt http.RoundTripper) updateFunc {
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(twAccount, twToken),
		HTTPClient: &http.Client{
			Transport:     orPooled(rt),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       10 * time.Second,
		},
	}
	c.SetAccountSid(twAccount)
	api := twapi.NewApiService(twclient.NewRequestHandler(&rewriteClient{Client: c, from: "https://api.twilio.com", to: base}))
	params := (&twapi.UpdateParticipantParams{}).SetMuted(true)
	return func(context.Context) error {
		p, err := api.UpdateParticipant(twConference, twCall, params)
		if err != nil {
			return err
		}
		if p.Muted == nil || !*p.Muted {
			return errNotMuted
		}
		return nil
	}
}

var muted = true

// newCarrierkitTwilio is carrierkit's Twilio adapter with its default
// options (its own pooled transport, default retry policy, no logger).
func newCarrierkitTwilio(tb testing.TB, base string, rt http.RoundTripper) updateFunc {
	return newCarrierkitTwilioWith(tb, base, options(rt))
}

// newCarrierkitTwilioWith is carrierkit's Twilio adapter with opts.
func newCarrierkitTwilioWith(tb testing.TB, base string, opts driver.Options) updateFunc {
	c, err := twilio.New(twilio.Config{AccountSID: twAccount, AuthToken: twToken, BaseURL: base, Options: opts})
	if err != nil {
		tb.Fatal(err)
	}
	return carrierkitUpdate(c, participant.Ref{Conference: twConference, Call: twCall})
}

// newCarrierkitTexml is carrierkit's TeXML adapter with default options.
func newCarrierkitTexml(tb testing.TB, base string, rt http.RoundTripper) updateFunc {
	c, err := texml.New(texml.Config{APIKey: txAPIKey, Account: txAccount, BaseURL: base + "/v2", Options: options(rt)})
	if err != nil {
		tb.Fatal(err)
	}
	return carrierkitUpdate(c, participant.Ref{Conference: txConference, Call: txCall})
}

func carrierkitUpdate(u participant.Updater, ref participant.Ref) updateFunc {
	req := participant.UpdateRequest{Muted: &muted}
	return func(ctx context.Context) error {
		p, err := u.Update(ctx, ref, req)
		if err != nil {
			return err
		}
		if !p.Muted {
			return errNotMuted
		}
		return nil
	}
}

func orPooled(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return pooledTransport()
	}
	return rt
}

// options are carrierkit's defaults, with rt as the transport when set.
func options(rt http.RoundTripper) driver.Options {
	if rt == nil {
		return driver.Options{}
	}
	return driver.Options{HTTPClient: &http.Client{Transport: rt}}
}
