package adapter

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScrubEveryForm(t *testing.T) {
	const secret = `s3cr"et+/=&x`
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.RawURLEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret), url.PathEscape(secret),
		`s3cr\"et+/=&x`, `s3cr\"et+/=\u0026x`}
	for _, f := range forms {
		got := ScrubString("before "+f+" after", []string{"", secret})
		assert.Equal(t, "before [redacted] after", got, "form %q", f)
		assert.Equal(t, "x "+Redacted, string(Scrub([]byte("x "+f), []string{secret})))
	}
	assert.Equal(t, "nothing", ScrubString("nothing", nil))
}

func TestAuthorizationSecrets(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("AC1:tok"))
	assert.Equal(t, []string{basic, basic[6:], "AC1:tok", "tok"}, AuthorizationSecrets(basic))
	assert.Equal(t, []string{"Bearer KEY1", "KEY1"}, AuthorizationSecrets("Bearer KEY1"))
	assert.Nil(t, AuthorizationSecrets(""))
}
