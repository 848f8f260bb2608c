package spectest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/specdir"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// The specs the tests check the validator against, as the Twilio and TeXML
// adapters' registry entries name them.
const (
	twilioSpec = "twilio_api_v2010.json"
	twilioRoot = "https://api.twilio.com"
	telnyxSpec = "telnyx_spec3.yml"
	telnyxRoot = "https://api.telnyx.com/v2"
)

func form(v url.Values) vendorfake.Request {
	return vendorfake.Request{Body: []byte(v.Encode()), Form: v,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
}

// The validator must refuse what the specs forbid, or the contract tests prove nothing.
func TestValidatorRejects(t *testing.T) {
	for _, tc := range []struct {
		spec, root, path string
	}{
		{twilioSpec, twilioRoot,
			"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Conferences/CF0123456789abcdef0123456789abcdef/Participants/agent%2F7.json"},
		{telnyxSpec, telnyxRoot,
			"/v2/texml/Accounts/acct/Conferences/conf/Participants/v3:abc"},
	} {
		v := spectest.Open(t, tc.spec, tc.root)
		if v == nil {
			t.Skip("specs not found")
		}
		ok := form(url.Values{"Muted": {"false"}, "HoldMethod": {"GET"}})
		ok.Method, ok.Path = "POST", tc.path
		assert.NoError(t, v.ValidateRequest(ok), tc.spec)

		bads := map[string]url.Values{
			"enum":    {"HoldMethod": {"BOGUS"}},
			"boolean": {"Muted": {"maybe"}},
		}
		if tc.spec == twilioSpec { // Telnyx sets no format on HoldUrl
			bads["uri"] = url.Values{"HoldUrl": {"not a uri"}}
			// Relative is allowed only under the API (list envelopes).
			bads["relative uri"] = url.Values{"HoldUrl": {"/music/hold.mp3"}}
		}
		for name, bad := range bads {
			r := form(bad)
			r.Method, r.Path = "POST", tc.path
			assert.Error(t, v.ValidateRequest(r), "%s %s", tc.spec, name)
		}
		wrong := ok
		wrong.Path = tc.path + "/extra"
		assert.Error(t, v.ValidateRequest(wrong), "unknown path")
	}
}

// fakeT records how Open ended a test.
type fakeT struct{ skipped, fatal, logged string }

func (f *fakeT) Helper()                           {}
func (f *fakeT) Errorf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }
func (f *fakeT) Logf(format string, args ...any)   { f.logged = fmt.Sprintf(format, args...) }
func (f *fakeT) Fatal(args ...any)                 { f.fatal = fmt.Sprint(args...) }
func (f *fakeT) Skipf(format string, args ...any)  { f.skipped = fmt.Sprintf(format, args...) }

// TestOpenWithoutSpecsIsLoud: without the spec folder a contract test is
// skipped, naming the folder looked in, or fails under CI; it is never
// run with validation quietly off.
func TestOpenWithoutSpecsIsLoud(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "a", "mod")
	require.NoError(t, os.MkdirAll(mod, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644))
	t.Chdir(mod)
	t.Setenv("CARRIERKIT_SPECS", "")

	t.Setenv("CI", "")
	f := &fakeT{}
	spectest.Open(f, twilioSpec, twilioRoot)
	assert.Contains(t, f.skipped, filepath.Join(dir, "a", "shared", "specs"), "names the folder looked in")
	assert.Empty(t, f.fatal)

	t.Setenv("CI", "true")
	f = &fakeT{}
	spectest.Open(f, twilioSpec, twilioRoot)
	assert.Empty(t, f.skipped)
	assert.Contains(t, f.fatal, "specs not found")
}

// ResponseCheck checks a live answer under a host's own path prefix, and
// names the spec when no operation routes the request.
func TestResponseCheck(t *testing.T) {
	if spectest.Open(t, twilioSpec, twilioRoot) == nil {
		return
	}
	dir, err := specdir.Dir()
	require.NoError(t, err)
	check, err := spectest.ResponseCheck(dir, twilioSpec, twilioRoot)
	require.NoError(t, err)
	path := "/prefix/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Conferences/CF0123456789abcdef0123456789abcdef/Participants/CA0123456789abcdef0123456789abcdef.json"
	r := vendorfake.Request{Method: "GET", Path: path}
	h := http.Header{"Content-Type": {"application/json"}}
	assert.NoError(t, check(r, 200, h, []byte(`{"muted":true}`)))
	assert.Error(t, check(r, 200, h, []byte(`{"muted":"maybe"}`)), "a wrong type is caught under the prefix")
	r.Path = "/nowhere"
	assert.ErrorContains(t, check(r, 200, h, []byte(`{}`)), "no operation of "+twilioSpec)
}
