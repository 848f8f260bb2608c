// Package emulated is carrierctl's emulator bundle: the fakes of the
// built-in adapters (providers/builtin), for carrierctl emulate, demo and
// the tests that run them. Importing it attaches each fake to its
// adapter's entry in providers.DefaultURLMux (fakes.go); a program that
// does not import it links no fake, and the library never does.
//
// fakes.go is generated from providers/builtin: one import of
// providers/<name>/<name>test per built-in adapter. Adding a carrier adds
// its line to providers/builtin; `go generate ./cmd/carrierctl/internal/emulated`
// brings the bundle along, and TestBundle fails until it does.
package emulated

//go:generate go test -run ^TestBundle$ . -update

import (
	"fmt"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/builtin" // the adapters the fakes attach to
)

// Carriers returns the fakes attached to the adapters of
// providers.DefaultURLMux, by name.
func Carriers() []emulator.Carrier { return emulator.Registered(providers.DefaultURLMux()) }

// New returns an emulator of Carriers, seeded with the demo data.
func New() *emulator.Emulator { return emulator.New(Carriers()...) }

// DemoMux returns a mux holding only c's adapter, its opener set in code
// with the demo's credentials and opts, so opening reads no environment.
func DemoMux(c emulator.Carrier, d emulator.Demo, opts driver.Options) (*providers.URLMux, error) {
	o, ok := c.Opener(d, opts).(providers.UpdaterURLOpener)
	if !ok {
		return nil, fmt.Errorf("emulator: the demo opener of %s is a %T, not a URL opener", c.Name, c.Opener(d, opts))
	}
	mux := new(providers.URLMux)
	mux.RegisterUpdater(c.Name, o)
	return mux, nil
}
