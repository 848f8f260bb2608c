package plivotest

import (
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/plivo"
)

// The emulator's demo data for Plivo: fixed, and the emulator's own
// credentials. A member is addressed by its member id: no labels. The ids
// are eight digits, so none is part of a random six-digit one (NewMemberID).
const (
	DemoAuthID         = "MAEMULATOR0000000001"
	DemoAuthToken      = "emulator-plivo-token-0000000000000001"
	DemoConference     = "demo-room"
	DemoAgentMember    = "20000001"
	DemoCustomerMember = "20000002"
)

func init() {
	emulator.Attach(providers.DefaultURLMux(), plivo.Name, emulator.Carrier{
		Prefix: PathPrefix,
		Root:   "/v1",
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.Engine(New(Config{AuthID: DemoAuthID, AuthToken: DemoAuthToken})), emulator.Demo{
				Account:      DemoAuthID,
				Credentials:  map[string]string{plivo.EnvAuthID: DemoAuthID, plivo.EnvAuthToken: DemoAuthToken},
				Conference:   DemoConference,
				Participants: []emulator.Seeded{{Call: DemoAgentMember}, {Call: DemoCustomerMember}},
			}
		},
		Opener: func(d emulator.Demo, opts driver.Options) any {
			return &plivo.URLOpener{AuthID: d.Account, AuthToken: d.Credentials[plivo.EnvAuthToken], Options: opts}
		},
		CredentialsHelp: plivo.EnvAuthID + " with " + plivo.EnvAuthToken,
	})
}
