package config_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/config"
)

const endpointsFile = `{
  "carriers": {
    "us": {"provider": "twilio", "account": "` + account + `", "region": "us1",
           "edges": ["ashburn", "umatilla"],
           "credentials": {"auth_token_env": "CK_US_TOKEN"},
           "breaker": {"failures": 3, "cool_down": "10s", "probes": 2},
           "failover": {"attempt_timeout": "2s"}},
    "telnyx": {"provider": "texml", "account": "acc-1",
               "endpoints": ["https://api.telnyx.com/v2", "https://api.telnyx.eu/v2"],
               "credentials": {"api_key_env": "CK_TX_KEY"}}
  }
}`

func TestEndpoints(t *testing.T) {
	cfg, err := config.Load(strings.NewReader(endpointsFile), nil)
	require.NoError(t, err)
	us := cfg.Carriers["us"]
	assert.Equal(t, config.Breaker{Failures: 3, CoolDown: 10 * time.Second, Probes: 2}, us.Breaker)
	assert.Equal(t, 2*time.Second, us.AttemptTimeout)
	require.Len(t, us.Endpoints, 2)
	assert.Equal(t, config.Endpoint{Path: "carriers.us.edges[1]", Param: "edge", Value: "umatilla"}, us.Endpoints[1])

	t.Setenv("CK_US_TOKEN", token)
	t.Setenv("CK_TX_KEY", apiKey)
	eps, err := cfg.OpenEndpoints(context.Background(), "us", false)
	require.NoError(t, err)
	require.Len(t, eps, 2)
	assert.Equal(t, "api.ashburn.us1.twilio.com", eps[0].Name)
	assert.Equal(t, "https://api.umatilla.us1.twilio.com", baseURL(t, eps[1].Updater))
	eps, err = cfg.OpenEndpoints(context.Background(), "telnyx", false)
	require.NoError(t, err)
	assert.Equal(t, []string{"api.telnyx.com", "api.telnyx.eu"}, []string{eps[0].Name, eps[1].Name})

	// The single-adapter API opens the first endpoint.
	all, err := cfg.Open(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "https://api.ashburn.us1.twilio.com", baseURL(t, all["us"]))
}

func TestEndpointProblems(t *testing.T) {
	file := `{"carriers": {
	  "mixed": {"provider": "twilio", "account": "` + account + `",
	            "endpoints": ["https://api.dublin.ie1.twilio.com", "https://api.ashburn.us1.twilio.com", "http://127.0.0.1:9"]},
	  "both": {"provider": "twilio", "account": "` + account + `", "base_url": "https://api.twilio.com",
	           "endpoints": ["https://api.twilio.com"], "edges": ["dublin"]},
	  "edge": {"provider": "twilio", "account": "` + account + `", "region": "ie1", "edge": "dublin", "edges": ["Bad Edge"]},
	  "empty": {"provider": "texml", "endpoints": []},
	  "badroot": {"provider": "texml", "endpoints": ["ftp://x", ""], "breaker": {"failures": 0, "cool_down": "soon", "open": 1},
	              "failover": {"attempt_timeout": "-1s", "x": 1}}
	}}`
	_, err := config.Load(strings.NewReader(file), nil)
	got := problems(t, err)
	for _, want := range []string{
		"carriers.mixed.endpoints[1]: reaches region us1 but carriers.mixed.endpoints[0] reaches ie1: a call lives in one region",
		"carriers.both.edges: set endpoints (API roots) or edges (within region), not both",
		"carriers.edge.edge: conflicts with edges",
		"carriers.edge.edges[0]: must be a lower-case DNS label",
		"carriers.empty.endpoints: must list at least one",
		"carriers.badroot.endpoints[0]: ",
		"carriers.badroot.endpoints[1]: must not be empty",
		"carriers.badroot.breaker.failures: must be a positive whole number",
		"carriers.badroot.breaker.cool_down: must be a positive Go duration",
		"carriers.badroot.breaker.open: unknown key (accepted: cool_down, failures, probes)",
		"carriers.badroot.failover.attempt_timeout: must be a positive Go duration",
		"carriers.badroot.failover.x: unknown key (accepted: attempt_timeout)",
	} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want)
		}
		assert.True(t, found, "missing %q in\n%s", want, strings.Join(got, "\n"))
	}
	for _, g := range got {
		assert.False(t, strings.HasPrefix(g, "carriers.mixed.endpoints[2]"), "a compatible host has no region: %s", g)
	}
}

// TestBreakerBounds: a breaker count past what the router's breaker can
// count (uint32) is reported at its path, not wrapped around later.
func TestBreakerBounds(t *testing.T) {
	_, err := config.Load(strings.NewReader(`{"carriers": {"a": {"provider": "texml",
	  "breaker": {"failures": 4294967296, "probes": 99999999999}}}}`), nil)
	assert.Equal(t, []string{
		"carriers.a.breaker.failures: must be a positive whole number up to 4294967295",
		"carriers.a.breaker.probes: must be a positive whole number up to 4294967295",
	}, problems(t, err))
}

// plain is a provider that cannot locate its settings, as Bandwidth.
var plain = settings.New(func(plainConfig) (*plainDriver, error) { return &plainDriver{}, nil },
	settings.Spec[plainConfig]{Name: "plain", Params: []settings.Param{{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL}}})

type plainConfig struct{ BaseURL string }

type plainDriver struct{}

func (plainDriver) Capabilities() participant.Capabilities { return participant.Capabilities{} }
func (plainDriver) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	return nil, nil
}

// TestEndpointNamesAreHosts: an endpoint is named by its host, whether the
// carrier has one root or several, and whether or not its provider can
// locate a URL.
func TestEndpointNamesAreHosts(t *testing.T) {
	for _, file := range []string{
		`{"carriers": {"bw": {"provider": "plain", "base_url": "http://127.0.0.1:9/api/v2"}}}`,
		`{"carriers": {"bw": {"provider": "plain", "endpoints": ["http://127.0.0.1:9/api/v2", "http://127.0.0.2:9/api/v2"]}}}`,
	} {
		mux := new(providers.URLMux)
		mux.RegisterUpdater("plain", plain.Opener(nil))
		cfg, err := config.Load(strings.NewReader(file), mux)
		require.NoError(t, err)
		eps, err := cfg.OpenEndpoints(context.Background(), "bw", false)
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1:9", eps[0].Name, file)
	}
}

// TestOpenEndpointsOnce: with once set, each endpoint's adapter sends a
// request once, whatever the file's retry section says (the router does
// the retrying by it); without, the adapter retries by it.
func TestOpenEndpointsOnce(t *testing.T) {
	srvURL, ref := unavailableTwilio(t)
	cfg, err := config.Load(strings.NewReader(`{"carriers": {"us": {"provider": "twilio", "account": "`+account+`",
	  "endpoints": ["`+srvURL+`"], "credentials": {"auth_token_env": "CK_US_TOKEN"},
	  "retry": {"max_retries": 2, "wait_min": "1ms", "wait_max": "2ms"}}}}`), nil)
	require.NoError(t, err)
	t.Setenv("CK_US_TOKEN", token)
	for once, attempts := range map[bool]int{true: 1, false: 3} {
		eps, err := cfg.OpenEndpoints(context.Background(), "us", once)
		require.NoError(t, err)
		require.Len(t, eps, 1)
		_, err = eps[0].Updater.Update(context.Background(), ref,
			participant.UpdateRequest{Muted: participant.Bool(true)})
		var pe *participant.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, attempts, pe.Attempts, "once: %v", once)
	}
	assert.Equal(t, 2, cfg.Carriers["us"].Retry().MaxRetries, "the router's policy keeps the file's retries")
}

// TestBadListItem: an item of endpoints the schema refuses is reported at
// its index alone; the list is still read around it.
func TestBadListItem(t *testing.T) {
	_, err := config.Load(strings.NewReader(`{"carriers": {"tx": {"provider": "texml",
	  "endpoints": ["https://api.telnyx.com/v2", 5, "ftp://x"]}}}`), nil)
	assert.Equal(t, []string{
		"carriers.tx.endpoints[1]: must be a string",
		`carriers.tx.endpoints[2]: must be an absolute http or https URL; its scheme is "ftp"`,
	}, problems(t, err))
}
