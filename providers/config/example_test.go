package config_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/carrierkit/carrierkit/providers/config"
	_ "github.com/carrierkit/carrierkit/providers/texml"  // registers texml://
	_ "github.com/carrierkit/carrierkit/providers/twilio" // registers twilio://
)

// A file naming three carriers; each holds its provider's settings, which
// print as its provider's URL.
// Load reads no credential: Open reads the environment variables named in
// "credentials".
func ExampleLoad() {
	const file = `{
	  "carriers": {
	    "us": {
	      "provider": "twilio",
	      "account": "AC0123456789abcdef0123456789abcdef",
	      "credentials": {"auth_token_env": "US_TWILIO_AUTH_TOKEN"},
	      "retry": {"max_retries": 2, "wait_min": "50ms", "wait_max": "1s", "max_retry_after": "10s"}
	    },
	    "eu": {
	      "provider": "twilio",
	      "account": "AC0123456789abcdef0123456789abcdef",
	      "region": "ie1",
	      "edge": "dublin",
	      "credentials": {"api_key_env": "EU_TWILIO_API_KEY", "api_secret_env": "EU_TWILIO_API_SECRET"}
	    },
	    "telnyx": {
	      "provider": "texml",
	      "account": "4b6f2b7e-8a1e-4f7e-9c3a-2f1d0c9b8a71",
	      "base_url": "https://api.telnyx.com/v2",
	      "credentials": {"api_key_env": "TELNYX_API_KEY"}
	    }
	  }
	}`
	cfg, err := config.Load(strings.NewReader(file), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range cfg.Names() {
		fmt.Println(name, cfg.Carriers[name])
	}
	// Output:
	// eu twilio://?account=AC0123456789abcdef0123456789abcdef&api_key_env=EU_TWILIO_API_KEY&api_secret_env=EU_TWILIO_API_SECRET&edge=dublin&region=ie1
	// telnyx texml://?account=4b6f2b7e-8a1e-4f7e-9c3a-2f1d0c9b8a71&api_key_env=TELNYX_API_KEY&base_url=https%3A%2F%2Fapi.telnyx.com%2Fv2
	// us twilio://?account=AC0123456789abcdef0123456789abcdef&auth_token_env=US_TWILIO_AUTH_TOKEN&max_retries=2&max_retry_after=10s&wait_max=1s&wait_min=50ms
}

// Every problem is reported at once, each with its JSON path.
func ExampleError() {
	const file = `{
	  "carriers": {
	    "eu": {"provider": "twilio", "region": "IE", "retry": {"wait_min": "5x", "max_retries": "3"}},
	    "us": {"provider": "twillio", "acount": "AC…"},
	    "tx": {"provider": "texml", "api_key": "KEY…", "credentials": {"api_key_env": "TELNYX KEY"}}
	  },
	  "default": "eu"
	}`
	_, err := config.Load(strings.NewReader(file), nil)
	var cerr *config.Error
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Message)
		}
	}
	// Output:
	// carriers.eu.region: must be a lower-case DNS label such as ie1 or dublin, got "IE"
	// carriers.eu.retry.max_retries: must be a whole number from 0 to 100
	// carriers.eu.retry.wait_min: invalid duration "5x"
	// carriers.tx.api_key: unknown key (accepted: account, base_url, breaker, credentials, endpoints, failover, provider, retry, timeouts)
	// carriers.tx.credentials.api_key_env: must be an environment variable name (letters, digits and _, not starting with a digit); the value is not repeated here, as it may be a credential
	// carriers.us.provider: unknown provider "twillio" (registered: texml, twilio)
	// default: unknown key (accepted: $schema, carriers, coordination)
}
