package bandwidthtest

import (
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
)

// The emulator's demo data for Bandwidth: fixed, and the emulator's own
// credentials, not a carrier's. Bandwidth has no labels: the demo
// participants are addressed by call id.
const (
	DemoAccount      = "9900001"
	DemoUsername     = "emulator-user"
	DemoPassword     = "emulator-password-00000000000001"
	DemoConference   = "conf-00000001-00000000-0000-4000-8000-000000000001"
	DemoAgentCall    = "c-00000001-00000000-0000-4000-8000-0000000000a1"
	DemoCustomerCall = "c-00000001-00000000-0000-4000-8000-0000000000a2"
	// The Basic credentials of the emulator's conference callbacks.
	DemoCallbackUsername = "emulator-callback-user"
	DemoCallbackPassword = "emulator-callback-password-00001"
)

func init() {
	emulator.Attach(providers.DefaultURLMux(), bandwidth.Name, emulator.Carrier{
		Prefix: PathPrefix,
		Root:   PathPrefix,
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.Engine(New(Config{AccountID: DemoAccount, Username: DemoUsername, Password: DemoPassword})), emulator.Demo{
				Account: DemoAccount,
				Credentials: map[string]string{bandwidth.EnvAccountID: DemoAccount, bandwidth.EnvUsername: DemoUsername,
					bandwidth.EnvPassword: DemoPassword},
				Conference:   DemoConference,
				Participants: []emulator.Seeded{{Call: DemoAgentCall}, {Call: DemoCustomerCall}},
			}
		},
		Opener: func(d emulator.Demo, opts driver.Options) any {
			return &bandwidth.URLOpener{AccountID: d.Account, Username: d.Credentials[bandwidth.EnvUsername],
				Password: d.Credentials[bandwidth.EnvPassword], Options: opts}
		},
		Webhooks:        emulator.BandwidthWebhooks(DemoCallbackUsername, DemoCallbackPassword),
		CredentialsHelp: bandwidth.EnvUsername + " with " + bandwidth.EnvPassword + " (account: " + bandwidth.EnvAccountID + ")",
	})
}
