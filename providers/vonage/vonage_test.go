package vonage_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/vonage"
	"github.com/carrierkit/carrierkit/providers/vonage/vonagetest"
)

var leg = participant.Ref{Conference: vonagetest.DemoConversation, Call: vonagetest.DemoAgentLeg}

func onEmulator(t *testing.T, cfg vonage.Config) (*carrierkit.Client, *emulator.Vendor) {
	t.Helper()
	e := emulator.New(emulator.Registered(providers.DefaultURLMux())...)
	v, err := e.Vendor(vonage.Name)
	require.NoError(t, err)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	cfg.ApplicationID, cfg.BaseURL = v.Account, srv.URL
	if cfg.PrivateKey == nil {
		cfg.PrivateKey = []byte(vonagetest.DemoPrivateKey)
	}
	if cfg.Options.Retry == nil {
		cfg.Options.Retry = &driver.RetryPolicy{MaxRetries: 0}
	}
	c, err := vonage.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c, v
}

func TestMutedHoldAnnounceIsMuteEarmuffStream(t *testing.T) {
	c, v := onEmulator(t, vonage.Config{})
	p, err := c.Update(context.Background(), leg, participant.UpdateRequest{Muted: participant.Bool(true),
		Hold: participant.Bool(true), AnnounceURL: participant.String("https://example.com/hi.mp3")})
	require.NoError(t, err)
	var got []string
	for _, r := range v.Server.Requests() {
		got = append(got, r.Method+" "+r.Path+" "+string(r.Body))
	}
	assert.Equal(t, []string{
		"PUT /v1/calls/" + leg.Call + ` {"action":"mute"}`,
		"PUT /v1/calls/" + leg.Call + ` {"action":"earmuff"}`,
		"PUT /v1/calls/" + leg.Call + `/stream {"stream_url":["https://example.com/hi.mp3"],"loop":1}`,
	}, got, "no read-back: a leg's mute cannot be read")
	assert.True(t, p.Muted)
	assert.True(t, p.Hold)
	stored, _ := v.Server.ByCall(v.Account, leg.Call)
	assert.True(t, stored.Muted)
	assert.True(t, stored.Hold)
	caps := c.Capabilities()
	assert.False(t, caps.CanRead(participant.FieldMuted))
	assert.False(t, caps.CanRead(participant.FieldHold))
	assert.True(t, caps.HoldMutes)
}

// TestTokenPerRequest: every request has its own token, dated by the
// client's clock; a token the fake finds expired is refused with 401.
func TestTokenPerRequest(t *testing.T) {
	c, v := onEmulator(t, vonage.Config{TokenTTL: 30 * time.Second})
	for range 2 {
		_, err := c.Fetch(context.Background(), leg)
		require.NoError(t, err)
	}
	reqs := v.Server.Requests()
	require.Len(t, reqs, 2)
	jtis := map[string]bool{}
	for _, r := range reqs {
		raw := r.Header.Get("Authorization")[len("Bearer "):]
		claims := jwt.MapClaims{}
		_, _, err := jwt.NewParser().ParseUnverified(raw, claims)
		require.NoError(t, err)
		iat, _ := claims.GetIssuedAt()
		exp, _ := claims.GetExpirationTime()
		assert.Equal(t, 30*time.Second, exp.Sub(iat.Time))
		assert.Equal(t, v.Account, claims["application_id"])
		jtis[claims["jti"].(string)] = true
	}
	assert.Len(t, jtis, 2, "a new jti per request")

	stale, _ := onEmulator(t, vonage.Config{Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	_, err := stale.Fetch(context.Background(), leg)
	assert.ErrorIs(t, err, participant.ErrUnauthenticated)
	var pe *vonage.ProblemError
	assert.ErrorAs(t, err, &pe, "the RFC 7807 problem is reachable")
	var e *participant.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "unauthorized", e.VendorCode)
}

// TestTokenPerAttempt: a request the adapter sends again (after a 429, a
// reset) carries a new token, not the first attempt's: a token reused
// past its short exp would be refused.
func TestTokenPerAttempt(t *testing.T) {
	c, v := onEmulator(t, vonage.Config{Options: driver.Options{Retry: &driver.RetryPolicy{MaxRetries: 2,
		WaitMin: time.Millisecond, WaitMax: time.Millisecond}}})
	v.Server.Fail(vendorfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
	v.Server.Fail(vendorfake.Fault{Drop: true})
	_, err := c.Update(context.Background(), leg, participant.UpdateRequest{Muted: participant.Bool(true)})
	require.NoError(t, err)
	reqs := v.Server.Requests()
	require.Len(t, reqs, 3, "429, reset, then 204")
	jtis := map[string]bool{}
	for _, r := range reqs {
		claims := jwt.MapClaims{}
		_, _, err := jwt.NewParser().ParseUnverified(r.Header.Get("Authorization")[len("Bearer "):], claims)
		require.NoError(t, err)
		jtis[claims["jti"].(string)] = true
	}
	assert.Len(t, jtis, 3, "a new token for every attempt")
}

func TestStateCannotBeReadOrFiltered(t *testing.T) {
	c, v := onEmulator(t, vonage.Config{})
	v.Server.Seed(vendorfake.Participant{Account: v.Account, Conference: v.Conference, CallID: leg.Call, Muted: true})
	p, err := c.Fetch(context.Background(), leg)
	require.NoError(t, err)
	assert.False(t, p.Muted, "not reported, so not guessed")
	assert.Equal(t, participant.StatusConnected, p.Status)
	for _, err := range c.List(context.Background(), leg.ConferenceRef(), participant.ListOptions{Muted: participant.Bool(true)}) {
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "ListOptions.Muted", pe.Field)
		assert.ErrorIs(t, err, participant.ErrUnsupported)
	}
	n := 0
	for p, err := range c.List(context.Background(), leg.ConferenceRef(), participant.ListOptions{PageSize: 1}) {
		require.NoError(t, err)
		assert.Equal(t, v.Conference, p.ConferenceID)
		n++
	}
	assert.Equal(t, 2, n, "both demo legs, one page each")
}

func TestRegionsAndConfig(t *testing.T) {
	key := []byte(vonagetest.DemoPrivateKey)
	app := vonagetest.DemoApplicationID
	for region, host := range map[string]string{"": "api.nexmo.com", "us": "api-us.vonage.com", "eu": "api-eu.vonage.com",
		"ap": "api-ap.vonage.com"} {
		var seen string
		hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			seen = r.URL.Host
			return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
		})}
		c, err := vonage.New(vonage.Config{ApplicationID: app, PrivateKey: key, Region: region,
			Options: driver.Options{HTTPClient: hc}})
		require.NoError(t, err)
		_, err = c.Update(context.Background(), leg, participant.UpdateRequest{Muted: participant.Bool(true)})
		require.NoError(t, err)
		assert.Equal(t, host, seen, "region %q", region)
	}
	_, err := vonage.New(vonage.Config{ApplicationID: app, PrivateKey: key, Region: "mars"})
	assert.ErrorContains(t, err, "Region")
	_, err = vonage.New(vonage.Config{ApplicationID: app, PrivateKey: []byte("not a key")})
	assert.ErrorContains(t, err, "PrivateKey")
	cfg := vonage.Config{ApplicationID: app, PrivateKey: key}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, cfg), "PRIVATE KEY", verb)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestOpenerKeyFromFileOrEnvironment: the key comes from a file or an
// environment variable, never from the URL.
func TestOpenerKeyFromFileOrEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "private.key")
	require.NoError(t, os.WriteFile(file, []byte(vonagetest.DemoPrivateKey), 0o600))
	app := vonagetest.DemoApplicationID
	t.Setenv(vonage.EnvPrivateKey, "")
	t.Setenv(vonage.EnvPrivateKeyPath, "")
	u, err := providers.Open(context.Background(), "vonage://?account="+app+"&private_key_file="+file+"&region=eu")
	require.NoError(t, err)
	assert.Equal(t, vonage.Name, u.Capabilities().Provider)
	t.Setenv("MY_VONAGE_KEY", vonagetest.DemoPrivateKey)
	_, err = providers.Open(context.Background(), "vonage://?account="+app+"&private_key_env=MY_VONAGE_KEY")
	require.NoError(t, err)
	t.Setenv(vonage.EnvPrivateKeyPath, file)
	_, err = providers.Open(context.Background(), "vonage://?account="+app)
	require.NoError(t, err)
	t.Setenv(vonage.EnvPrivateKeyPath, "")
	_, err = providers.Open(context.Background(), "vonage://?account="+app)
	assert.ErrorContains(t, err, vonage.EnvPrivateKeyPath)
	_, err = providers.Open(context.Background(), "vonage://?account="+app+"&private_key=-----BEGIN")
	assert.Error(t, err, "no parameter takes the key itself")
	_, err = providers.Open(context.Background(), "vonage://?account=nope")
	assert.ErrorContains(t, err, "account")

	// The key put in private_key_file by mistake is refused, never echoed.
	_, err = providers.Open(context.Background(), "vonage://?account="+app+"&private_key_file="+url.QueryEscape(vonagetest.DemoPrivateKey))
	require.Error(t, err)
	assert.ErrorContains(t, err, "private_key_file: must name a PEM file, not hold the key")
	assert.NotContains(t, err.Error(), "PRIVATE KEY")
	pu, perr := url.Parse("vonage://?account=" + app + "&private_key_file=" + url.QueryEscape(vonagetest.DemoPrivateKey))
	require.NoError(t, perr)
	assert.ErrorContains(t, providers.DefaultURLMux().CheckUpdaterURL(pu), "must name a PEM file", "refused by the check, before any file is read")
	assert.NotContains(t, fmt.Sprintf("%+v", err), vonagetest.DemoPrivateKey[40:80])
}

// TestLoadLimitAnswers429: the emulator's per-application limit (read
// from the token's application_id) answers 429 as a problem body, which
// the adapter reports as rate limited.
func TestLoadLimitAnswers429(t *testing.T) {
	c, v := onEmulator(t, vonage.Config{})
	v.Server.SetLoad(vendorfake.Load{MaxConcurrent: 1})
	v.Server.Fail(vendorfake.Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Update(ctx, leg, participant.UpdateRequest{Muted: participant.Bool(true)})
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); len(v.Server.Requests()) == 0; {
		require.True(t, time.Now().Before(deadline), "the held request never arrived")
		time.Sleep(time.Millisecond)
	}
	_, err := c.Update(context.Background(), participant.Ref{Conference: leg.Conference, Call: vonagetest.DemoCustomerLeg},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	cancel()
	<-done
	assert.ErrorIs(t, err, participant.ErrRateLimited)
	var pe *vonage.ProblemError
	assert.ErrorAs(t, err, &pe)
	assert.Equal(t, int64(1), v.Server.Throttled())
}
