package builtin_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/driver/settings"
	"github.com/carrierkit/carrierkit/providers"
	_ "github.com/carrierkit/carrierkit/providers/builtin"
	"github.com/carrierkit/carrierkit/providers/config"
)

var update = flag.Bool("update", false, "rewrite the published config schema")

// schemaPath is the published schema, next to package config.
const schemaPath = "../config/" + config.SchemaFile

// TestSchemaIsPublished: the checked-in schema is the one the built-in
// providers' tables generate (go test -run TestSchemaIsPublished -update
// rewrites it).
func TestSchemaIsPublished(t *testing.T) {
	got, err := config.Schema(providers.DefaultURLMux())
	require.NoError(t, err)
	if *update {
		require.NoError(t, os.WriteFile(schemaPath, got, 0o644))
	}
	want, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go test ./providers/builtin -run TestSchemaIsPublished -update")
}

// TestEveryBuiltinHasATable: every built-in scheme is registered and
// describes its settings, each parameter with help text and a Config field.
func TestEveryBuiltinHasATable(t *testing.T) {
	mux := providers.DefaultURLMux()
	require.NotEmpty(t, mux.Schemes())
	for _, scheme := range mux.Schemes() {
		o, err := mux.Settings(scheme, "provider")
		require.NoError(t, err, scheme)
		tab := o.Table()
		assert.Equal(t, scheme, tab.Name)
		for _, p := range tab.Params {
			assert.NotEmpty(t, p.Help, "%s %s", scheme, p.Name)
			if p.Secret {
				assert.True(t, strings.HasSuffix(p.Name, "_env"), "%s: a secret is given only through a variable, not %s", scheme, p.Name)
			}
		}
	}
}

// TestNeverPrintSecrets: each built-in URLOpener and Config with every
// secret field of its table set prints, with every verb and as JSON, none
// of them.
func TestNeverPrintSecrets(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	for _, scheme := range providers.DefaultURLMux().Schemes() {
		o, err := providers.DefaultURLMux().Settings(scheme, "provider")
		require.NoError(t, err)
		a, ok := providers.DefaultURLMux().Lookup(scheme)
		require.True(t, ok, scheme)
		for _, typ := range []reflect.Type{reflect.TypeOf(a.Opener).Elem(), o.Table().Config} {
			neverPrinted(t, scheme+" "+typ.Name(), reflect.New(typ), o.Table().Params, secret)
		}
	}
}

// neverPrinted sets v's secret fields to secret and checks no form of v
// shows it.
func neverPrinted(t *testing.T, what string, v reflect.Value, params []settings.Param, secret string) {
	t.Helper()
	redacted := 0
	for _, p := range params {
		f := v.Elem().FieldByName(p.Field)
		if !p.Secret || !f.IsValid() {
			continue
		}
		redacted++
		if f.Kind() == reflect.Slice {
			f.SetBytes([]byte(secret))
		} else {
			f.SetString(secret)
		}
	}
	require.NotZero(t, redacted, "%s takes a secret", what)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, x := range []any{v.Interface(), v.Elem().Interface()} {
			s := fmt.Sprintf(verb, x)
			assert.NotContains(t, s, secret, "%s %s", what, verb)
			assert.NotContains(t, s, fmt.Sprintf("%x", secret), "%s %s", what, verb)
		}
	}
	b, err := json.Marshal(v.Interface())
	require.NoError(t, err)
	assert.NotContains(t, string(b), secret, what)
}
