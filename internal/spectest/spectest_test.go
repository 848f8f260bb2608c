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

	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
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
		{spectest.TwilioSpec, spectest.TwilioRoot,
			"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Conferences/CF0123456789abcdef0123456789abcdef/Participants/agent%2F7.json"},
		{spectest.TelnyxSpec, spectest.TelnyxRoot,
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
		if tc.spec == spectest.TwilioSpec { // Telnyx sets no format on HoldUrl
			bads["uri"] = url.Values{"HoldUrl": {"not a uri"}}
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
	spectest.Open(f, spectest.TwilioSpec, spectest.TwilioRoot)
	assert.Contains(t, f.skipped, filepath.Join(dir, "a", "shared", "specs"), "names the folder looked in")
	assert.Empty(t, f.fatal)

	t.Setenv("CI", "true")
	f = &fakeT{}
	spectest.Open(f, spectest.TwilioSpec, spectest.TwilioRoot)
	assert.Empty(t, f.skipped)
	assert.Contains(t, f.fatal, "specs not found")

	// A worktree nested one level deeper finds shared/specs beside its parent.
	specs := filepath.Join(dir, "a", "..", "shared", "specs")
	require.NoError(t, os.MkdirAll(specs, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(specs, spectest.TwilioSpec), []byte("{}"), 0o644))
	got, err := spectest.DirFrom(filepath.Join(mod, "sub"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Clean(specs), got)
}
