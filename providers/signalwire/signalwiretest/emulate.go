package signalwiretest

import (
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/signalwire"
)

// The emulator's demo data for SignalWire: fixed, and the emulator's own
// credentials, not a carrier's. SignalWire documents no labels: the demo
// participants are addressed by call id.
const (
	DemoProject      = "00000000-0000-4000-8000-0000000000f1"
	DemoAPIToken     = "PTemulator0000000000000000000001"
	DemoConference   = "00000000-0000-4000-8000-0000000000f2"
	DemoAgentCall    = "00000000-0000-4000-8000-0000000000f3"
	DemoCustomerCall = "00000000-0000-4000-8000-0000000000f4"
	// DemoSigningKey signs the emulator's SignalWire callbacks.
	DemoSigningKey = "PSKemulator00000000000000000000001"
)

func init() {
	emulator.Attach(providers.DefaultURLMux(), signalwire.Name, emulator.Carrier{
		Prefix: Root + "/2010-04-01",
		Root:   Root,
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.Engine(New(Config{ProjectID: DemoProject, APIToken: DemoAPIToken})), emulator.Demo{
				Account:      DemoProject,
				Credentials:  map[string]string{signalwire.EnvProjectID: DemoProject, signalwire.EnvAPIToken: DemoAPIToken},
				Conference:   DemoConference,
				Participants: []emulator.Seeded{{Call: DemoAgentCall}, {Call: DemoCustomerCall}},
			}
		},
		Opener: func(d emulator.Demo, opts driver.Options) any {
			return &signalwire.URLOpener{ProjectID: d.Account, APIToken: d.Credentials[signalwire.EnvAPIToken], Options: opts}
		},
		Webhooks:        emulator.SignalWireWebhooks(DemoSigningKey),
		CredentialsHelp: signalwire.EnvProjectID + " with " + signalwire.EnvAPIToken + " (space: " + signalwire.EnvSpace + " or --base-url)",
	})
}
