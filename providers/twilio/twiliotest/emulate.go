package twiliotest

import (
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// The emulator's demo data for Twilio: fixed, and the emulator's own
// credentials, not a carrier's.
const (
	DemoAccount      = "AC00000000000000000000000000000001"
	DemoAuthToken    = "emulatortoken00000000000000000001" // alphanumeric, as twilio-go requires
	DemoConference   = "CF00000000000000000000000000000001"
	DemoAgentCall    = "CA00000000000000000000000000000001"
	DemoCustomerCall = "CA00000000000000000000000000000002"
)

func init() {
	emulator.Attach(providers.DefaultURLMux(), twilio.Name, emulator.Carrier{
		Prefix: PathPrefix,
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.Engine(New(Config{AccountSID: DemoAccount, AuthToken: DemoAuthToken})), emulator.Demo{
				Account:      DemoAccount,
				Credentials:  map[string]string{twilio.EnvAccountSID: DemoAccount, twilio.EnvAuthToken: DemoAuthToken},
				Conference:   DemoConference,
				Participants: []emulator.Seeded{{Call: DemoAgentCall, Label: emulator.AgentLabel}, {Call: DemoCustomerCall}},
			}
		},
		Opener: func(d emulator.Demo, opts driver.Options) any {
			return &twilio.URLOpener{AccountSID: d.Account, AuthToken: d.Credentials[twilio.EnvAuthToken], Options: opts}
		},
		Webhooks:        emulator.TwilioWebhooks(DemoAuthToken), // Twilio signs with the auth token
		CredentialsHelp: twilio.EnvAccountSID + " with " + twilio.EnvAuthToken + " (or " + twilio.EnvAPIKey + " and " + twilio.EnvAPISecret + ")",
	})
}
