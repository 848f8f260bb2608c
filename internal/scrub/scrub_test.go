package scrub_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/carrierkit/carrierkit/internal/scrub"
)

// survivor returns a form of the secret left in scrubbed, or "". Redacted
// is cut out first (a secret may share characters with it); scrubbing
// is left to right without overlaps, so a form left whole in the rest would
// have been replaced.
func survivor(scrubbed string, forms []string) string {
	rest := strings.ReplaceAll(scrubbed, scrub.Redacted, "\x00")
	for _, f := range forms {
		if strings.Contains(rest, f) {
			return f
		}
	}
	return ""
}

func TestEveryFormIsScrubbed(t *testing.T) {
	sec := scrub.Secret{User: "SK0123", Value: `p@ss w/rd+"<&>"é`}
	sc := scrub.New(sec)
	forms := scrub.Forms(sec)
	if len(forms) < 10 {
		t.Fatalf("only %d forms", len(forms))
	}
	for _, f := range forms {
		text := "before " + f + " after"
		if got := sc.String(text); survivor(got, forms) != "" || !strings.Contains(got, scrub.Redacted) {
			t.Errorf("%q scrubbed to %q", text, got)
		}
		if got := string(sc.Bytes([]byte(text))); got != sc.String(text) {
			t.Errorf("Bytes %q != String %q", got, sc.String(text))
		}
	}
}

type vendorErr struct {
	Message string
	Errors  []struct{ Detail string }
	Meta    *struct{ URL string }
	Extra   map[string]any
	Any     any
	private string
}

func TestValueScrubsDecodedStrings(t *testing.T) {
	sc := scrub.New(scrub.Secret{Value: "SeCrEt"})
	body := `{"Message":"\u0053eCrEt","Errors":[{"Detail":"x \u0053\u0065CrEt"}],"Meta":{"URL":"SeCr\u0045t"},
		"Extra":{"k":"SeCrEt","n":{"deep":["SeCrEt"]}},"Any":"SeCrEt"}`
	var v vendorErr
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	v.private = "private"
	sc.Value(&v)
	if s := fmt.Sprintf("%#v", v); strings.Contains(s, "SeCrEt") {
		t.Errorf("secret survived: %s", s)
	}
	var nilScrubber *scrub.Scrubber
	if nilScrubber.String("SeCrEt") != "SeCrEt" {
		t.Error("a nil Scrubber scrubs nothing")
	}
}

// FuzzScrub: no form of a secret survives, wherever it sits in the text,
// and a secret spelled with JSON \u escapes does not survive decoding and
// Value either.
func FuzzScrub(f *testing.F) {
	f.Add("AC0123", "tok3n", "prefix ", " suffix", uint8(0), uint64(0))
	f.Add("", "KEY017F_x9Qz", "Bearer ", "", uint8(3), uint64(0xffff))
	f.Add("u", `a"b\c<d>&e`, `{"m":"`, `"}`, uint8(9), uint64(0x5555))
	f.Add("user", "ééé\u2028", "", "", uint8(12), uint64(1))
	f.Fuzz(func(t *testing.T, user, secret, before, after string, which uint8, mask uint64) {
		if secret == "" || strings.ContainsRune(secret, 0) || strings.ContainsRune(user, 0) {
			return
		}
		sec := scrub.Secret{User: user, Value: secret}
		sc := scrub.New(sec)
		forms := scrub.Forms(sec)
		form := forms[int(which)%len(forms)]
		text := before + form + after
		if f := survivor(sc.String(text), forms); f != "" {
			t.Fatalf("form %q survived in %q", f, sc.String(text))
		}
		if string(sc.Bytes([]byte(text))) != sc.String(text) {
			t.Fatalf("Bytes and String differ on %q", text)
		}
		// JSON: escape the characters mask selects as \uXXXX, decode, scrub.
		var b strings.Builder
		i := 0
		for _, r := range secret {
			switch {
			case r > 0xffff || mask&(1<<(i%64)) == 0:
				enc, _ := json.Marshal(string(r))
				b.Write(enc[1 : len(enc)-1])
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
			i++
		}
		var v struct{ M string }
		if json.Unmarshal([]byte(`{"M":"`+b.String()+`"}`), &v) != nil {
			return // an invalid UTF-8 secret does not round-trip through JSON
		}
		sc.Value(&v)
		if strings.Contains(strings.ReplaceAll(v.M, scrub.Redacted, "\x00"), secret) {
			t.Fatalf("decoded %q kept the secret", v.M)
		}
	})
}

func TestFromAuthorization(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("AC1:tok"))
	for _, tc := range []struct {
		header string
		want   scrub.Secret
		ok     bool
	}{
		{basic, scrub.Secret{User: "AC1", Value: "tok"}, true},
		{"Bearer KEY1", scrub.Secret{Value: "KEY1"}, true},
		{"Basic not-base64!", scrub.Secret{Value: "not-base64!"}, true},
		{"KEY2", scrub.Secret{Value: "KEY2"}, true},
		{"", scrub.Secret{}, false},
	} {
		got, ok := scrub.FromAuthorization(tc.header)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FromAuthorization(%q) = %+v, %v; want %+v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
	// The whole header of either kind is scrubbed by the secret it yields.
	for _, h := range []string{basic, "Bearer KEY1"} {
		s, _ := scrub.FromAuthorization(h)
		if got := scrub.New(s).String("Authorization: " + h); strings.Contains(got, h[7:]) {
			t.Errorf("%q left in %q", h[7:], got)
		}
	}
}
