package builtin_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/builtin"
)

// The built-in adapters whose vendor publishes an OpenAPI spec name it in
// their registry entry, where the spec checks look it up.
func TestBuiltinSpecs(t *testing.T) {
	specs := map[string]string{}
	for _, a := range providers.DefaultURLMux().Adapters() {
		if a.Spec.File != "" {
			specs[a.Name] = a.Spec.File
		}
	}
	assert.Equal(t, map[string]string{"bandwidth": "bandwidth_voice.yml", "texml": "telnyx_spec3.yml",
		"twilio": "twilio_api_v2010.json", "vonage": "vonage_voice.yml"}, specs)
}

// A program that imports the built-ins links no fake, no emulator and no
// test code.
func TestBuiltinLinksNoFake(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		for _, b := range []string{"/internal/vendorfake", "/internal/emulator", "github.com/stretchr/testify", "github.com/getkin/"} {
			assert.NotContains(t, dep, b)
		}
		assert.False(t, strings.HasPrefix(dep, "github.com/carrierkit/") && strings.HasSuffix(dep, "test"), "links %s", dep)
	}
}

// The vendor fakes, which carrierctl's emulator links, link no test
// library and no OpenAPI library themselves: their spec checks live in
// their tests.
func TestFakesLinkNoTestLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "github.com/carrierkit/carrierkit/providers/...").Output()
	require.NoError(t, err)
	var fakes []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasSuffix(p, "test") {
			fakes = append(fakes, p)
		}
	}
	require.GreaterOrEqual(t, len(fakes), 6)
	out, err = exec.Command("go", append([]string{"list", "-deps"}, fakes...)...).Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		for _, b := range []string{"github.com/stretchr/testify/", "github.com/getkin/", "github.com/gorilla/", "/internal/spectest", "/vendorfake/faketest"} {
			assert.NotContains(t, dep, b)
		}
	}
}
