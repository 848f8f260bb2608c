package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/specdir"
	"github.com/carrierkit/carrierkit/internal/spectest"
)

// The tests run conformance with the OpenAPI check, as the carrierkit_spec
// build does (spec.go); TestSpecCheckLeftOut runs the released build.
func init() { openSpecCheck = spectest.ResponseCheck }

// TestSpecCheckLeftOut: the released carrierctl (built without tags, as
// TestMain builds bin) reports the spec check NA, naming the build that has
// it, and refuses --specs, which it could not honour, before sending
// anything.
func TestSpecCheckLeftOut(t *testing.T) {
	_, v, base := twilioEmulator(t)
	r := carrierctl(t, v.Credentials, conformanceArgs(v, base, "--profile", "full")...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `NA\s.*spec\.response-shape|spec\.response-shape\s.*NA`, r.stdout)
	assert.Contains(t, r.stdout, "the OpenAPI check is not built into this carrierctl ("+specBuild+")")

	r = carrierctl(t, v.Credentials, conformanceArgs(v, base, "--specs", t.TempDir())...)
	assert.Equal(t, exitInvalid, r.code, r.stdout)
	assert.Contains(t, r.stderr, "--specs: this carrierctl is built without the OpenAPI check; build it with "+specBuild)
	assert.Empty(t, r.stdout)
}

// TestSpecCheck: with the check built in, the answers of a full run are
// validated against the spec the adapter's registry entry names.
func TestSpecCheck(t *testing.T) {
	if _, err := specdir.Dir(); err != nil {
		t.Skipf("needs the vendor specs: %v", err)
	}
	_, v, base := twilioEmulator(t)
	r := runInProcess(t, conformanceArgs(v, base, "--profile", "full")...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `spec\.response-shape\s.*answers valid against twilio_api_v2010\.json`, r.stdout)
}

// goListDeps is `go list -deps` of carrierctl with args.
func goListDeps(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append(append([]string{"list", "-deps"}, args...), ".")...).Output()
	require.NoError(t, err)
	return strings.Fields(string(out))
}

// TestShippedDeps: the released carrierctl links no test code and no
// OpenAPI library: not kin-openapi, not gorilla/mux (kin-openapi's router),
// not testify, nor the spec test helpers that bring them. The
// carrierkit_spec build is the one that links kin-openapi.
func TestShippedDeps(t *testing.T) {
	banned := []string{"github.com/getkin/kin-openapi/", "github.com/gorilla/", "github.com/stretchr/testify/",
		"github.com/carrierkit/carrierkit/internal/spectest", "github.com/carrierkit/carrierkit/internal/vendorfake/faketest"}
	for _, dep := range goListDeps(t) {
		for _, b := range banned {
			assert.False(t, strings.HasPrefix(dep, b), "carrierctl links %s", dep)
		}
	}
	assert.Contains(t, goListDeps(t, "-tags", "carrierkit_spec"), "github.com/getkin/kin-openapi/openapi3filter",
		"the carrierkit_spec build has the OpenAPI check")
}
