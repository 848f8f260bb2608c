package spectest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

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
