package emulator_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
)

func fakeCarrier(prefix string) emulator.Carrier {
	return emulator.Carrier{Prefix: prefix,
		New: func() (*vendorfake.Server, emulator.Demo) {
			return vendorfake.NewServer(&vendorfake.Dialect{PathPrefix: prefix}), emulator.Demo{Account: "acct"}
		},
		Opener: func(emulator.Demo, driver.Options) any { return nil }}
}

// The emulator serves the fakes attached to the registry's adapters and
// none other: an adapter without a fake is left out, a fake without an
// adapter cannot attach, and no fake attaches twice.
func TestRegistered(t *testing.T) {
	opener := providers.DefaultURLMux().Adapters()[0].Opener // any opener: none is opened
	mux := new(providers.URLMux)
	mux.Register(providers.Adapter{Name: "alpha", Opener: opener})
	mux.Register(providers.Adapter{Name: "beta", Opener: opener})
	mux.Register(providers.Adapter{Name: "nofake", Opener: opener})
	emulator.Attach(mux, "beta", fakeCarrier("/b"))
	emulator.Attach(mux, "alpha", fakeCarrier("/a"))

	got := emulator.Registered(mux)
	require.Len(t, got, 2)
	assert.Equal(t, "alpha", got[0].Name, "named after the entry, by name")
	assert.Equal(t, "beta", got[1].Name)
	e := emulator.New(got...)
	assert.Len(t, e.Vendors(), 2)

	assert.PanicsWithValue(t, "providers: attach to gamma: no adapter registered under that name",
		func() { emulator.Attach(mux, "gamma", fakeCarrier("/g")) })
	assert.Panics(t, func() { emulator.Attach(mux, "alpha", fakeCarrier("/a2")) }, "a second fake")
	assert.Panics(t, func() { emulator.Attach(mux, "nofake", emulator.Carrier{Prefix: "/n"}) }, "an incomplete fake")
	assert.Panics(t, func() { emulator.New(got[0], got[0]) }, "one name twice")

	// A mux copied with other options keeps the fakes.
	assert.Len(t, emulator.Registered(mux.WithOptions(driver.Options{})), 2)
}
