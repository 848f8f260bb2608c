package vonagetest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers/vonage/vonagetest"
)

// TestTokenChecks: the fake answers 401 for every token Vonage refuses
// and accepts a good one, each with a new jti.
func TestTokenChecks(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	app := vendorfake.UUID()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	fake := vonagetest.New(vonagetest.Config{ApplicationID: app, PublicKey: &key.PublicKey, Now: func() time.Time { return now }})
	leg := vendorfake.UUID()
	fake.Seed(vendorfake.Participant{Account: app, Conference: vonagetest.NewConversationID(), CallID: leg})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"application_id": app, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": vendorfake.UUID()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	rs256 := func(k *rsa.PrivateKey, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(k)
		require.NoError(t, err)
		return "Bearer " + s
	}
	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil)).SignedString([]byte("shared"))
	require.NoError(t, err)
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"Good", rs256(key, claims(nil)), http.StatusOK},
		{"GoodAgainNewJTI", rs256(key, claims(nil)), http.StatusOK},
		{"BadSignature", rs256(other, claims(nil)), http.StatusUnauthorized},
		{"Expired", rs256(key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })), http.StatusUnauthorized},
		{"NoExp", rs256(key, claims(func(c jwt.MapClaims) { delete(c, "exp") })), http.StatusUnauthorized},
		{"NoIat", rs256(key, claims(func(c jwt.MapClaims) { delete(c, "iat") })), http.StatusUnauthorized},
		{"IssuedInTheFuture", rs256(key, claims(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), http.StatusUnauthorized},
		{"OlderThan24h", rs256(key, claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-25*time.Hour).Unix(), now.Add(time.Hour).Unix()
		})), http.StatusUnauthorized},
		{"WrongApplication", rs256(key, claims(func(c jwt.MapClaims) { c["application_id"] = vendorfake.UUID() })), http.StatusUnauthorized},
		{"HS256", "Bearer " + hs256, http.StatusUnauthorized},
		{"NoToken", "", http.StatusUnauthorized},
		{"Basic", "Basic dXNlcjpwYXNz", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/calls/"+leg, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode)
			if tc.want == http.StatusUnauthorized {
				assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
			}
		})
	}
}
