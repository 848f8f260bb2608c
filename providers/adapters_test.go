package providers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/providers"
)

type keyA struct{}
type keyB struct{}

// An adapter's entry carries its opener and spec, and what companions
// attach to it; a copy with other options keeps both.
func TestAdapterEntry(t *testing.T) {
	m := new(providers.URLMux)
	spec := providers.Spec{File: "a.yml", Root: "https://api.example.com/v1"}
	m.Register(providers.Adapter{Name: "alpha", Opener: &stub{}, Spec: spec})
	m.RegisterUpdater("beta", &stub{})

	a, ok := m.Lookup("alpha")
	require.True(t, ok)
	assert.Equal(t, spec, a.Spec)
	b, ok := m.Lookup("beta")
	require.True(t, ok)
	assert.Zero(t, b.Spec, "RegisterUpdater: no spec")
	_, ok = m.Lookup("gamma")
	assert.False(t, ok)
	var names []string
	for _, a := range m.Adapters() {
		names = append(names, a.Name)
	}
	assert.Equal(t, []string{"alpha", "beta"}, names)

	m.Attach("alpha", keyA{}, 1)
	m.Attach("alpha", keyB{}, "b")
	v, ok := m.Attachment("alpha", keyA{})
	assert.True(t, ok)
	assert.Equal(t, 1, v)
	_, ok = m.Attachment("beta", keyA{})
	assert.False(t, ok, "attachments are per entry")
	assert.PanicsWithValue(t, "providers: providers_test.keyA attached to alpha twice", func() { m.Attach("alpha", keyA{}, 2) })
	assert.PanicsWithValue(t, "providers: attach to gamma: no adapter registered under that name", func() { m.Attach("gamma", keyA{}, 1) })
	assert.Panics(t, func() {
		m.Register(providers.Adapter{Name: "delta", Opener: &stub{}, Spec: providers.Spec{File: "d.yml"}})
	},
		"a spec file without its root")

	c := m.WithOptions(driver.Options{UserAgent: "x"})
	ca, ok := c.Lookup("alpha")
	require.True(t, ok)
	assert.Equal(t, spec, ca.Spec)
	v, ok = c.Attachment("alpha", keyA{})
	assert.True(t, ok)
	assert.Equal(t, 1, v)
	c.Attach("beta", keyA{}, 3)
	_, ok = m.Attachment("beta", keyA{})
	assert.False(t, ok, "attaching to the copy leaves the original alone")
}
