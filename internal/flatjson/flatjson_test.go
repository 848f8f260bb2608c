package flatjson_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/carrierkit/carrierkit/internal/flatjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var keys = []string{"sid", "muted", "n", "label", "uri", "sub"}

// seeds are bodies inside the subset and just outside it.
var seeds = []string{
	`{"sid":"CA1","muted":true,"n":12,"label":null,"uri":"/a/b.json","sub":{"x":[1,2,{"y":"\u00e9\n"}]}}`,
	`{}`, ` { "sid" : "a" , "muted" : false } `, `{"sid":"a","sid":"b"}`, `{"other":"\"quoted\" \\ \/ \b\f\n\r\t"}`,
	`{"sid":"caf\u00e9"}`, `{"sid":"café"}`, `{"sid":"\xff"}`, `{"other":"\xff"}`, `{"Sid":"a"}`, `{"SID":"a","sid":"b"}`,
	`{"n":-0.5e+10}`, `{"n":01}`, `{"n":1.}`, `{"n":-}`, `{"n":1e}`, `{"n":.5}`, `{"muted":tru}`, `{"muted":nul}`,
	`{"sid":"a"`, `{"sid":"a"} x`, `{"sid":"a",}`, `{,}`, `[]`, `null`, `"s"`, ``, `{"sid":"a\tb"}`, `{"o":[}`,
	`{"o":{"a" 1}}`, `{"o":{"a":1,}}`, `{"o":[1,]}`, `{"o":"\u12g4"}`, `{"o":"\x"}`, `{"k\u0073":1}`, `{"é":1}`,
	`{"sub":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`, "{\"sid\":\"a\"}\n",
}

// FuzzScan checks Scan against encoding/json: whenever Scan reads a body,
// the body is valid JSON, and each key's value is the one encoding/json
// keeps for that exact name (the last), of the same kind and bytes.
func FuzzScan(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		vals := make([]flatjson.Value, len(keys))
		if !flatjson.Scan(body, keys, vals) {
			return
		}
		require.True(t, json.Valid(body), "Scan read invalid JSON %q", body)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &m))
		for i, k := range keys {
			raw, ok := m[k] // encoding/json keeps the last of a repeated name; Scan refuses a repeated key
			if !ok {
				assert.Equal(t, flatjson.Absent, vals[i].Kind, "%s in %q", k, body)
				continue
			}
			assert.Equal(t, kindOf(raw), vals[i].Kind, "%s in %q", k, body)
			switch vals[i].Kind {
			case flatjson.String:
				var s string
				require.NoError(t, json.Unmarshal(raw, &s))
				assert.Equal(t, s, string(vals[i].Raw), "%s in %q", k, body)
			case flatjson.Number:
				assert.Equal(t, string(raw), string(vals[i].Raw), "%s in %q", k, body)
			}
		}
	})
}

func kindOf(raw json.RawMessage) flatjson.Kind {
	switch raw[0] {
	case '"':
		return flatjson.String
	case '{', '[':
		return flatjson.Composite
	case 't':
		return flatjson.True
	case 'f':
		return flatjson.False
	case 'n':
		return flatjson.Null
	}
	return flatjson.Number
}

func TestScanReadsTheUsualShape(t *testing.T) {
	vals := make([]flatjson.Value, len(keys))
	require.True(t, flatjson.Scan([]byte(seeds[0]), keys, vals))
	assert.Equal(t, flatjson.Value{Kind: flatjson.String, Raw: []byte("CA1")}, vals[0])
	assert.Equal(t, flatjson.True, vals[1].Kind)
	assert.Equal(t, flatjson.Value{Kind: flatjson.Number, Raw: []byte("12")}, vals[2])
	assert.Equal(t, flatjson.Null, vals[3].Kind)
	assert.Equal(t, "/a/b.json", string(vals[4].Raw))
	assert.Equal(t, flatjson.Composite, vals[5].Kind)

	require.True(t, flatjson.Scan([]byte(`{"sid":"b","other":1,"other":2}`), keys, vals))
	assert.Equal(t, "b", string(vals[0].Raw))
	assert.Equal(t, flatjson.Absent, vals[1].Kind, "a value from an earlier Scan is cleared")
}

// TestScanLeavesTheRestToEncodingJSON: every body outside the subset, or
// invalid, is refused, never read differently.
func TestScanLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`{"sid":"caf\u00e9"}`,                  // an escape in a kept string
		`{"sid":"` + "\xff" + `"}`,             // invalid UTF-8 in a kept string
		`{"Sid":"a"}`, `{"SID":"a","sid":"b"}`, // a name encoding/json matches without regard to case
		`{"sid":"a","sid":null}`, `{"muted":true,"muted":false}`, // a kept member twice
		`{"k\u0073":1}`, `{"é":1}`, // a name with an escape or outside ASCII
		`{"sub":` + string(bytes.Repeat([]byte("["), 40)) + string(bytes.Repeat([]byte("]"), 40)) + `}`, // deeper than 32
		`null`, `[]`, `"s"`, ``, `{"sid":"a"} x`, `{"sid":"a",}`, `{"n":01}`, `{"n":1.}`, `{"muted":tru}`,
		`{"sid":"a` + "\t" + `b"}`, `{"o":"\x"}`, `{"o":"\u12g4"}`, `{"o":[1,]}`,
	} {
		vals := make([]flatjson.Value, len(keys))
		assert.False(t, flatjson.Scan([]byte(body), keys, vals), "%q", body)
	}
	vals := make([]flatjson.Value, len(keys))
	assert.True(t, flatjson.Scan([]byte(`{"other":"\"q\" \\ \/ \b\f\n\r\t\u00e9","x":"`+"\xff"+`"}`), keys, vals),
		"escapes and invalid UTF-8 in a skipped value are fine: encoding/json ignores that value")
}

func BenchmarkScan(b *testing.B) {
	body := []byte(seeds[0])
	vals := make([]flatjson.Value, len(keys))
	b.ReportAllocs()
	for b.Loop() {
		flatjson.Scan(body, keys, vals)
	}
}

// TestScanRefusesANameAKeyFoldsTo: encoding/json matches a name to a field
// by Unicode folding, under which ſ (U+017F) is s and K (U+212A, the Kelvin
// sign) is k, so an ASCII name can match a longer key; Scan must refuse it
// as it refuses any other name in another case.
func TestScanRefusesANameAKeyFoldsTo(t *testing.T) {
	var ref struct {
		Sid  string `json:"ſid"`
		Kind string `json:"\u212Aind"`
	}
	for _, body := range []string{`{"sid":"a"}`, `{"SID":"a"}`, `{"kind":"b"}`, `{"KIND":"b"}`} {
		ref.Sid, ref.Kind = "", ""
		require.NoError(t, json.Unmarshal([]byte(body), &ref))
		require.NotEqual(t, "", ref.Sid+ref.Kind, "encoding/json matches %s", body)
		vals := make([]flatjson.Value, 2)
		assert.False(t, flatjson.Scan([]byte(body), []string{"ſid", "\u212Aind"}, vals), "%s", body)
	}
}

// TestDecodeAssignsAsEncodingJSON: Decode stores each kind as
// encoding/json stores it into a string, a bool and a *bool, and refuses
// a value that does not fit (encoding/json would fail).
func TestDecodeAssignsAsEncodingJSON(t *testing.T) {
	type target struct {
		S string `json:"s"`
		B bool   `json:"b,omitempty"`
		P *bool
	}
	names := flatjson.Names(reflect.TypeFor[target]())
	require.Equal(t, []string{"s", "b", "P"}, names)
	assert.Panics(t, func() {
		flatjson.Names(reflect.TypeFor[struct {
			X string `json:"-"`
		}]())
	}, "a field encoding/json skips")
	for _, body := range []string{
		`{"s":"x","b":true,"P":false}`, `{"s":null,"b":null,"P":null}`, `{}`, `{"P":true}`, `{"other":[1]}`,
		`{"s":1}`, `{"b":"true"}`, `{"P":0}`, `{"s":{}}`, `{"b":[]}`,
	} {
		yes := true
		start := target{S: "old", B: true, P: &yes} // what null and absence leave alone
		want, got := start, start
		wantErr := json.Unmarshal([]byte(body), &want)
		ok := flatjson.Decode([]byte(body), names, []any{&got.S, &got.B, &got.P})
		if wantErr != nil {
			assert.False(t, ok, "%s: encoding/json fails (%v), so Decode must refuse", body, wantErr)
			continue
		}
		require.True(t, ok, body)
		assert.Equal(t, want, got, body)
	}
}
