// Package emulated is carrierctl's emulator bundle: the fakes of the
// built-in adapters (providers/builtin), for carrierctl emulate, demo and
// the tests that run them. Importing it attaches each fake to its
// adapter's entry in providers.DefaultURLMux (fakes.go); a program that
// does not import it links no fake, and the library never does.
//
// fakes.go is generated from providers/builtin: one import of
// providers/<name>/<name>test per built-in adapter. Adding a carrier adds
// its line to providers/builtin; `go generate ./cmd/carrierctl/...`
// brings the bundle along, and TestBundle fails until it does.
package emulated

//go:generate go test -run ^TestBundle$ . -update

import (
	_ "github.com/carrierkit/carrierkit/providers/builtin" // the adapters the fakes attach to

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/providers"
)

// Carriers returns the fakes attached to the adapters of
// providers.DefaultURLMux, by name.
func Carriers() []emulator.Carrier { return emulator.Registered(providers.DefaultURLMux()) }

// New returns an emulator of Carriers, seeded with the demo data.
func New() *emulator.Emulator { return emulator.New(Carriers()...) }
