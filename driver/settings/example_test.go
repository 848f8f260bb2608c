package settings_test

import (
	"context"
	"fmt"
	"os"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/participant"
)

// acmeConfig is an outside carrier's Config, as its New takes it.
type acmeConfig struct {
	Account, BaseURL, Token string
	driver.Options
}

type acmeDriver struct{ cfg acmeConfig }

func (acmeDriver) Capabilities() participant.Capabilities {
	return participant.Capabilities{Provider: "acme"}
}

func (acmeDriver) Update(context.Context, participant.Ref, participant.UpdateRequest) (*participant.Participant, error) {
	return nil, nil
}

func newAcme(c acmeConfig) (*acmeDriver, error) { return &acmeDriver{c}, nil }

// A driver outside this module states its parameters once; the opener
// reads, checks and documents them, and reads the credential from the
// environment.
func Example() {
	acme := settings.New(newAcme, settings.Spec[acmeConfig]{Name: "acme", Params: []settings.Param{
		{Name: "account", Field: "Account", Env: "ACME_ACCOUNT", Help: "account id",
			Check: settings.Must(func(v string) bool { return len(v) == 6 }, "must be 6 characters")},
		{Name: "base_url", Field: "BaseURL", Check: settings.CheckBaseURL, Help: "API root"},
		{Name: "token_env", Field: "Token", Env: "ACME_TOKEN", Secret: true, Help: "variable holding the API token"},
	}})
	fmt.Print(acme.Opener(nil).Table().Help())

	_ = os.Setenv("ACME_TOKEN", "t0ken")
	defer os.Unsetenv("ACME_TOKEN")
	_, err := acme.Opener(nil).OpenUpdaterURL(context.Background(), mustParse("acme://?account=abc&base_url=ftp://x"))
	fmt.Println(err)
	c, err := acme.Opener(nil).OpenUpdaterURL(context.Background(), mustParse("acme://?account=abc123"))
	fmt.Println(c.Capabilities().Provider, err)
	// Output:
	//   account            account id (default $ACME_ACCOUNT)
	//   base_url           API root
	//   token_env          variable holding the API token (default ACME_TOKEN; secret: named, never given)
	//   max_retries, wait_min, wait_max, max_retry_after: the retry policy
	//   attempt_timeout, timeout: time bounds (Go durations)
	// carrierkit acme config: invalid argument: account: must be 6 characters
	// carrierkit acme config: invalid argument: base_url: must be an absolute http or https URL; its scheme is "ftp"
	// acme <nil>
}
