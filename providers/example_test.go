package providers_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// Open picks the adapter by the URL's scheme; importing an adapter package
// registers its scheme. Credentials come from the environment (here
// TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN); a mistake names the parameter
// and lists what is accepted.
func ExampleOpen() {
	ctx := context.Background()
	_, err := providers.Open(ctx, "twilio://?regoin=ie1")
	fmt.Println(strings.ReplaceAll(err.Error(), " (", "\n  ("))
	// Output:
	// carrierkit twilio config: invalid argument: regoin: unknown parameter
	//   (twilio accepts account, account_sid_env, api_key_env, api_secret_env, attempt_timeout, auth_token_env, base_url, edge, max_retries, max_retry_after, region, timeout, wait_max, wait_min)
}

// A mux of your own, with credentials and HTTP options set in code on the
// adapter's URLOpener instead of read from the environment.
func ExampleURLMux() {
	mux := new(providers.URLMux)
	mux.RegisterUpdater(twilio.Scheme, &twilio.URLOpener{
		AccountSID: "AC0123456789abcdef0123456789abcdef",
		AuthToken:  "your-auth-token",
		Options:    driver.Options{UserAgent: "my-app/1.0"},
	})
	u, err := mux.OpenUpdater(context.Background(), "twilio://?region=ie1&edge=dublin&max_retries=5")
	if err != nil {
		fmt.Println(err)
		return
	}
	// As reaches what is under the portable client: here the driver, for
	// the API root it sends to.
	var d *httpdriver.Driver
	if u.As(&d) {
		fmt.Println(u.Capabilities().Provider, d.BaseURL())
	}
	fmt.Println(u.Capabilities().Supports(participant.FieldWaitMethod))
	// Output:
	// twilio https://api.dublin.ie1.twilio.com
	// true
}
