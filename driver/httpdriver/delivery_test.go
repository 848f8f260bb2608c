package httpdriver_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// Each failure says how far the update got, set where it is known.
func TestErrorsSayHowFarTheRequestGot(t *testing.T) {
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>proxy</html>")) })
	ref := participant.Ref{Conference: "conf-1", Call: "c-1"}
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	policy := &driver.RetryPolicy{MaxRetries: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}
	d := jsonDialect(false)
	d.Update.NoContent = false // the answer is the participant
	d.Update.Decode = decodeMember
	open := func(t *testing.T, h http.Handler, tlsServer bool) *carrierkit.Client {
		srv := httptest.NewServer(h)
		if tlsServer {
			srv.Close()
			srv = httptest.NewTLSServer(h) // a certificate the client does not trust
		}
		t.Cleanup(srv.Close)
		return carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: srv.URL, Account: "9900000", HTTP: driver.Options{Retry: policy}}))
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
		tls  bool
		req  participant.UpdateRequest
		want participant.Delivery
		code participant.Code
	}{
		{"invalid", status(200), false, participant.UpdateRequest{}, participant.DeliveryNotSent, participant.CodeInvalidArgument},
		{"429", status(429), false, mute, participant.DeliveryAnswered, participant.CodeRateLimited},
		{"404", status(404), false, mute, participant.DeliveryAnswered, participant.CodeNotFound},
		{"503", status(503), false, mute, participant.DeliveryMaybe, participant.CodeUnavailable},
		{"proxy page", page, false, mute, participant.DeliveryMaybe, participant.CodeUnknown},
		{"untrusted certificate", status(200), true, mute, participant.DeliveryNotSent, participant.CodeUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, tc.h, tc.tls)
			_, err := c.Update(context.Background(), ref, tc.req)
			require.Error(t, err)
			assert.Equal(t, tc.want, participant.DeliveryOf(err), "%v", err)
			assert.Equal(t, tc.code, participant.CodeOf(err), "%v", err)
			if tc.tls {
				_, ok := errors.AsType[*tls.CertificateVerificationError](err)
				assert.True(t, ok, "the TLS cause is in the chain")
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		base := "http://" + ln.Addr().String()
		require.NoError(t, ln.Close())
		c := carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: base, Account: "9900000", HTTP: driver.Options{Retry: policy}}))
		_, err = c.Update(context.Background(), ref, mute)
		assert.Equal(t, participant.DeliveryNotSent, participant.DeliveryOf(err), "%v", err)
		_, ok := errors.AsType[*net.OpError](err)
		assert.True(t, ok, "the *net.OpError is in the chain")
	})
	t.Run("503 then refused", func(t *testing.T) {
		// An attempt that may have acted makes the update ambiguous, even
		// when the last attempt surely did not reach the carrier.
		var srv *httptest.Server
		var hits int
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits++
			_ = srv.Listener.Close() // the retry finds nothing listening
			w.Header().Set("Connection", "close")
			w.WriteHeader(503)
		}))
		defer srv.Close()
		c := carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: srv.URL, Account: "9900000", HTTP: driver.Options{Retry: policy}}))
		_, err := c.Update(context.Background(), ref, mute)
		require.Error(t, err)
		assert.Equal(t, participant.DeliveryMaybe, participant.DeliveryOf(err), "%v", err)
		assert.Equal(t, 1, hits)
		pe, _ := errors.AsType[*participant.Error](err)
		assert.Equal(t, 2, pe.Attempts, "the retry was refused")
		assert.Zero(t, pe.HTTPStatus, "the last attempt got no answer")
	})
}

// CheckRef of a ref without a call checks the conference, as a listing does,
// so a router can route a listing by the shapes of its ids.
func TestCheckRefOfAConference(t *testing.T) {
	d := jsonDialect(false)
	d.Check = func(_ string, ref participant.Ref, _ participant.UpdateRequest) (string, string) {
		if len(ref.Conference) < 5 || ref.Conference[:5] != "conf-" {
			return "Ref.Conference", "must start with conf-"
		}
		return "", ""
	}
	c := carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: "http://127.0.0.1:1", Account: "9900000"}))
	assert.NoError(t, c.CheckRef(participant.ConferenceRef{Conference: "conf-1"}.Participant("")))
	err := c.CheckRef(participant.ConferenceRef{Conference: "CF1"}.Participant(""))
	require.ErrorIs(t, err, participant.ErrInvalidArgument)
	pe, _ := errors.AsType[*participant.Error](err)
	assert.Equal(t, "Ref.Conference", pe.Field)
	assert.Equal(t, participant.Op("check"), pe.Op)
	assert.Equal(t, participant.DeliveryNotSent, pe.Delivery)
}

// The driver, called without carrierkit.Client, still refuses with nothing
// sent what only it can know: a ref without an account when it has no
// default, a default account that breaks the neutral id rules, and the
// dialect's id rules.
func TestDriverChecksWhatOnlyItKnows(t *testing.T) {
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		sent.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	d := jsonDialect(false)
	d.Check = func(account string, ref participant.Ref, _ participant.UpdateRequest) (string, string) {
		if account != "9900000" {
			return "Ref.Account", "must be 9900000"
		}
		return "", ""
	}
	muted := participant.UpdateRequest{Muted: participant.Bool(true)}
	for _, tc := range []struct {
		name, account, refAccount, field, rule string
	}{
		{"NoAccount", "", "", "Ref.Account", "no default account"},
		{"BadDefault", "99\n00", "", "Ref.Account", "default account must not contain control characters"},
		{"DialectCheck", "9900001", "", "Ref.Account", "must be 9900000"},
		{"DialectCheckOfRefAccount", "9900000", "9900001", "Ref.Account", "must be 9900000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drv := httpdriver.New(d, httpdriver.Config{BaseURL: srv.URL, Account: tc.account})
			ref := participant.Ref{Account: tc.refAccount, Conference: "conf-1", Call: "c-1"}
			_, uerr := drv.Update(context.Background(), ref, muted)
			_, ferr := drv.Fetch(context.Background(), ref)
			for _, err := range []error{uerr, ferr, drv.Remove(context.Background(), ref), drv.CheckRef(ref)} {
				require.ErrorIs(t, err, participant.ErrInvalidArgument)
				pe, _ := errors.AsType[*participant.Error](err)
				assert.Equal(t, tc.field, pe.Field)
				assert.Contains(t, pe.Message, tc.rule)
				assert.Equal(t, participant.DeliveryNotSent, pe.Delivery)
				assert.NotContains(t, pe.Error(), "99\n00", "the value is not echoed")
			}
		})
	}
	assert.Zero(t, sent.Load(), "nothing was sent")
	drv := httpdriver.New(d, httpdriver.Config{BaseURL: srv.URL, Account: "9900000"})
	_, err := drv.Update(context.Background(), participant.Ref{Conference: "conf-1", Call: "c-1"}, muted)
	assert.ErrorIs(t, err, participant.ErrNotFound, "a ref that passes is sent (to a carrier without that member)")
	assert.Equal(t, int32(1), sent.Load())
}

// As gives the HTTP client requests go through and the driver itself.
func TestAs(t *testing.T) {
	hc := &http.Client{}
	c := carrierkit.New(httpdriver.New(jsonDialect(false), httpdriver.Config{BaseURL: "http://127.0.0.1:1/",
		Account: "9900000", HTTP: driver.Options{HTTPClient: hc}}))
	var got *http.Client
	require.True(t, c.As(&got))
	assert.Same(t, hc, got)
	var d *httpdriver.Driver
	require.True(t, c.As(&d))
	assert.Equal(t, "http://127.0.0.1:1", d.BaseURL(), "without the trailing slash")
	var other *string
	assert.False(t, c.As(&other))
	require.NoError(t, c.Close())
	_, err := c.Fetch(context.Background(), participant.Ref{Conference: "conf-1", Call: "c-1"})
	assert.ErrorIs(t, err, participant.ErrFailedPrecondition, "closed")
}
