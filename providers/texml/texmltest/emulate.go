package texmltest

import (
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/texml"
)

// The emulator's demo data for TeXML: fixed, and the emulator's own
// credentials, not a carrier's.
const (
	DemoAccount      = "00000000-0000-4000-8000-000000000001"
	DemoAPIKey       = "KEYemulator00000000000000000000001"
	DemoConference   = "00000000-0000-4000-8000-0000000000c1"
	DemoAgentCall    = "v3:emulator-agent-call-0000000000000000000000000000001"
	DemoCustomerCall = "v3:emulator-customer-call-00000000000000000000000000002"
	// DemoWebhookKeyPhrase seeds the Ed25519 key of the emulator's TeXML callbacks.
	DemoWebhookKeyPhrase = "carrierkit emulator texml webhooks"
)

func init() {
	emulator.Attach(providers.DefaultURLMux(), texml.Name, emulator.Carrier{
		Prefix: PathPrefix,
		Root:   "/v2",
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.Engine(New(Config{APIKey: DemoAPIKey})), emulator.Demo{
				Account:      DemoAccount,
				Credentials:  map[string]string{texml.EnvAPIKey: DemoAPIKey, texml.EnvAccount: DemoAccount},
				Conference:   DemoConference,
				Participants: []emulator.Seeded{{Call: DemoAgentCall, Label: emulator.AgentLabel}, {Call: DemoCustomerCall}},
			}
		},
		Opener: func(d emulator.Demo, opts driver.Options) any {
			return &texml.URLOpener{Account: d.Account, APIKey: d.Credentials[texml.EnvAPIKey], Options: opts}
		},
		Webhooks:        emulator.TeXMLWebhooks(emulator.TeXMLSeed(DemoWebhookKeyPhrase)),
		CredentialsHelp: texml.EnvAPIKey + " (and optionally " + texml.EnvAccount + ", the default account)",
	})
}
