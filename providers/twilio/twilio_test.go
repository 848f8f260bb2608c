package twilio_test

import (
	"net/http"
	"strings"
	"time"

	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"testing"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

const acct = "AC0123456789abcdef0123456789abcdef"

func TestNewConfigErrors(t *testing.T) {
	cases := []struct {
		name  string
		cfg   twilio.Config
		field string
	}{
		{"NoAccount", twilio.Config{AuthToken: "t"}, "AccountSID"},
		{"BadAccount", twilio.Config{AccountSID: "AC123", AuthToken: "t"}, "AccountSID"},
		{"NoCredentials", twilio.Config{AccountSID: acct}, "AuthToken"},
		{"TokenAndKey", twilio.Config{AccountSID: acct, AuthToken: "t", APIKeySID: testKey, APISecret: "s"}, "AuthToken"},
		{"BadKey", twilio.Config{AccountSID: acct, APIKeySID: "KS1", APISecret: "s"}, "APIKeySID"},
		{"KeyWithoutSecret", twilio.Config{AccountSID: acct, APIKeySID: testKey}, "APISecret"},
		{"BaseURLRelative", twilio.Config{AccountSID: acct, AuthToken: "t", BaseURL: "/api"}, "BaseURL"},
		{"BaseURLCredentials", twilio.Config{AccountSID: acct, AuthToken: "t", BaseURL: "https://u:pw@h.example"}, "BaseURL"},
		{"BaseURLQuery", twilio.Config{AccountSID: acct, AuthToken: "t", BaseURL: "https://h.example?x=1"}, "BaseURL"},
		{"BadRegion", twilio.Config{AccountSID: acct, AuthToken: "t", Region: "IE1"}, "Region"},
		{"BadEdge", twilio.Config{AccountSID: acct, AuthToken: "t", Region: "ie1", Edge: "evil.com/x"}, "Edge"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := twilio.New(tc.cfg)
			require.ErrorIs(t, err, participant.ErrInvalidArgument)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, participant.Op("config"), pe.Op)
			assert.NotContains(t, err.Error(), "pw")
		})
	}
}

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct{ region, edge, base, want string }{
		{"", "", "", "https://api.twilio.com"},
		{"ie1", "", "", "https://api.dublin.ie1.twilio.com"}, // Twilio retired api.ie1.twilio.com
		{"au1", "", "", "https://api.sydney.au1.twilio.com"},
		{"us1", "", "", "https://api.ashburn.us1.twilio.com"},
		{"ie1", "dublin", "", "https://api.dublin.ie1.twilio.com"},
		{"", "sydney", "", "https://api.sydney.us1.twilio.com"},
		{"ie1", "dublin", "http://127.0.0.1:9", "http://127.0.0.1:9"},
	} {
		c, err := twilio.New(twilio.Config{AccountSID: acct, AuthToken: "t", Region: tc.region, Edge: tc.edge, BaseURL: tc.base})
		require.NoError(t, err)
		assert.Equal(t, tc.want, baseURL(t, c))
	}
}

func TestConfigNeverShowsSecrets(t *testing.T) {
	cfg := twilio.Config{AccountSID: acct, AuthToken: "tok-SECRET-1", APISecret: "sec-SECRET-2", APIKeySID: testKey}
	type wrapper struct{ C twilio.Config }
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s %q", cfg, cfg, cfg, cfg, cfg),
		fmt.Sprintf("%+v %#v", wrapper{cfg}, &wrapper{cfg}), fmt.Sprintf("%v", &cfg),
	} {
		assert.NotContains(t, s, "SECRET")
		assert.Contains(t, s, acct)
	}
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "AuthToken:[redacted]")
	assert.True(t, strings.HasPrefix(fmt.Sprintf("%#v", cfg), "twilio.Config{"), "%#v", cfg)
	cfg.Options = driver.Options{Retry: &driver.RetryPolicy{Backoff: func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }},
		HTTPClient: http.DefaultClient, Logger: zap.NewNop()}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "SECRET")
}

func TestAPIKeyAuth(t *testing.T) {
	fake := twiliotest.New(twiliotest.Config{AccountSID: acct, AuthToken: "main-token", APIKeys: map[string]string{testKey: "key-secret"}})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	p := twiliotest.Participant{Account: acct, Conference: twiliotest.NewConferenceSID(), CallID: twiliotest.NewCallSID()}
	fake.Seed(p)
	c, err := twilio.New(twilio.Config{AccountSID: acct, APIKeySID: testKey, APISecret: "key-secret", BaseURL: srv.URL})
	require.NoError(t, err)
	got, err := c.Update(context.Background(), participant.Ref{Conference: p.Conference, Call: p.CallID},
		participant.UpdateRequest{Hold: participant.Bool(true)})
	require.NoError(t, err)
	assert.True(t, got.Hold)
	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(testKey+":key-secret")), reqs[0].Header.Get("Authorization"))
	assert.Contains(t, reqs[0].Path, "/Accounts/"+acct+"/", "the key acts for the account in the path")
}

func TestCallToCoachPattern(t *testing.T) {
	fake := twiliotest.New(twiliotest.Config{AccountSID: acct, AuthToken: "t"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := twilio.New(twilio.Config{AccountSID: acct, AuthToken: "t", BaseURL: srv.URL})
	require.NoError(t, err)
	_, err = c.Update(context.Background(), participant.Ref{Conference: twiliotest.NewConferenceSID(), Call: "agent"},
		participant.UpdateRequest{Coaching: participant.Bool(true), CallToCoach: participant.String("v3:abc")})
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "CallToCoach", pe.Field)
	assert.Contains(t, err.Error(), "^CA[0-9a-fA-F]{32}$")
	assert.Empty(t, fake.Requests())
}

func FuzzAnswers(f *testing.F) {
	conformance.FuzzAnswers(f, func(opts driver.Options) (participant.Updater, error) {
		return twilio.New(twilio.Config{AccountSID: acct, AuthToken: "t", BaseURL: "http://carrier.invalid", Options: opts})
	}, participant.Ref{Conference: "CF0123456789abcdef0123456789abcdef", Call: "agent"},
		`{"account_sid":"AC0123456789abcdef0123456789abcdef","call_sid":"CA0123456789abcdef0123456789abcdef","muted":true,"status":"connected","date_created":"Fri, 18 Feb 2011 21:07:19 +0000"}`,
		`{"code":20404,"message":"not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}`)
}

// Defect 8: a token or secret with CR/LF or control characters was
// accepted and sent base64-encoded; New refuses it, naming the field.
func TestNewRefusesControlCharactersInCredentials(t *testing.T) {
	for _, bad := range []string{"tok\r\nX-Injected: 1", "tok\x00", "tok\x7f", "tok\u0085", "tok\xff"} {
		for _, tc := range []struct {
			cfg   twilio.Config
			field string
		}{
			{twilio.Config{AccountSID: acct, AuthToken: bad}, "AuthToken"},
			{twilio.Config{AccountSID: acct, APIKeySID: testKey, APISecret: bad}, "APISecret"},
		} {
			_, err := twilio.New(tc.cfg)
			require.ErrorIs(t, err, participant.ErrInvalidArgument, "%q", bad)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, participant.Op("config"), pe.Op)
			assert.NotContains(t, err.Error(), "tok")
		}
	}
}

// Defect 9: the URL opener reads TWILIO_REGION and TWILIO_EDGE, as
// Twilio's SDKs do; a region alone takes its default edge.
func TestURLOpenerRegionAndEdgeFromEnvironment(t *testing.T) {
	for _, tc := range []struct{ region, edge, query, want string }{
		{"ie1", "", "", "https://api.dublin.ie1.twilio.com"},
		{"au1", "", "", "https://api.sydney.au1.twilio.com"},
		{"ie1", "frankfurt", "", "https://api.frankfurt.ie1.twilio.com"},
		{"ie1", "", "region=au1", "https://api.sydney.au1.twilio.com"},
		{"", "", "region=zz9&edge=somewhere", "https://api.somewhere.zz9.twilio.com"},
		{"", "somewhere", "region=zz9", "https://api.somewhere.zz9.twilio.com"},
		{"", "", "", "https://api.twilio.com"},
	} {
		t.Setenv(twilio.EnvRegion, tc.region)
		t.Setenv(twilio.EnvEdge, tc.edge)
		o := &twilio.URLOpener{AccountSID: acct, AuthToken: "t"}
		u, err := o.OpenUpdaterURL(context.Background(), &url.URL{Scheme: "twilio", RawQuery: tc.query})
		require.NoError(t, err)
		assert.Equal(t, tc.want, baseURL(t, u), "%+v", tc)
	}
	t.Setenv(twilio.EnvRegion, "zz9")
	t.Setenv(twilio.EnvEdge, "")
	_, err := (&twilio.URLOpener{AccountSID: acct, AuthToken: "t"}).OpenUpdaterURL(context.Background(), &url.URL{Scheme: "twilio"})
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "TWILIO_EDGE", pe.Field, "a region without a known default edge names what to set: %v", err)
}

func TestDefaultEdge(t *testing.T) {
	for region, want := range map[string]string{"ie1": "dublin", "au1": "sydney", "us1": "ashburn"} {
		got, ok := twilio.DefaultEdge(region)
		assert.True(t, ok, region)
		assert.Equal(t, want, got, region)
	}
	_, ok := twilio.DefaultEdge("xx9")
	assert.False(t, ok, "a region Twilio does not document has no default edge")
}

// baseURL is the API root u sends to, reached through As.
func baseURL(t *testing.T, u participant.Updater) string {
	var d *httpdriver.Driver
	require.True(t, u.(*carrierkit.Client).As(&d), "As(**httpdriver.Driver)")
	return d.BaseURL()
}
