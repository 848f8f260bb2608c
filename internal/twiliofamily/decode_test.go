package twiliofamily

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first named 200 example of UpdateParticipant in Twilio's spec
// (twilio_api_v2010.json, muteParticipant) and TeXML's ParticipantResource
// example (telnyx_spec3.yml), as bench serves them.
const (
	twilioExample = `{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","call_sid":"CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","label":null,"conference_sid":"CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"Fri, 18 Feb 2011 21:07:19 +0000","date_updated":"Fri, 18 Feb 2011 21:07:19 +0000","end_conference_on_exit":false,"muted":true,"hold":false,"status":"connected","start_conference_on_enter":true,"coaching":false,"call_sid_to_coach":null,"queue_time":null,"uri":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Conferences/CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Participants/CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"}`
	texmlExample  = `{"account_sid":"4e71926f-8f13-450e-b91c-23c2ef786aa6","api_version":"v2/texml","call_sid":"v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ","call_sid_legacy":"v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ","coaching":false,"conference_sid":"cd5a70f4-759b-4d5e-9c06-88c00f16f3c1","date_created":"Fri, 27 Oct 2023 07:41:58 +0000","date_updated":"Fri, 27 Oct 2023 07:41:58 +0000","end_conference_on_exit":false,"hold":false,"muted":true,"status":"connected","uri":"/v2/texml/Accounts/4e71926f-8f13-450e-b91c-23c2ef786aa6/Conferences/cd5a70f4-759b-4d5e-9c06-88c00f16f3c1/Participants/v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ.json"}`
)

// FuzzDecodeParticipant checks the fast path against encoding/json, the
// reference: whenever scan reads a body, encoding/json decodes it without
// error into the same participantWire. Bodies scan refuses go to
// encoding/json itself, so DecodeParticipant is encoding/json's decode on
// every input.
func FuzzDecodeParticipant(f *testing.F) {
	for _, s := range []string{twilioExample, texmlExample,
		`{"muted":"true"}`, `{"muted":1}`, `{"account_sid":5}`, `{"hold":null,"muted":null,"label":null}`,
		`{"start_conference_on_enter":null}`, `{"start_conference_on_enter":false}`, `{"start_conference_on_enter":"x"}`,
		`{"Muted":true}`, `{"muted":true,"muted":false}`, `{"label":"x","label":null}`, `{"muted":true,"muted":null}`, `{"status":"in\u0020progress"}`, `{"label":"é"}`,
		`{"coaching_call_sid":"CA1","call_sid_to_coach":"CA2"}`, `{"call_sid":{"a":1}}`, `{"hold":[true]}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast participantWire
		if !fast.scan(body) {
			return
		}
		var ref participantWire
		require.NoError(t, json.Unmarshal(body, &ref), "scan read %q, which encoding/json refuses", body)
		assert.Equal(t, ref, fast, "%q", body)
	})
}

// TestDecodeParticipantFastPath: the vendors' own examples take the fast
// path (the speed BENCHMARKS.md reports depends on it), and a body outside
// it decodes through encoding/json to the same participant.
func TestDecodeParticipantFastPath(t *testing.T) {
	for _, body := range []string{twilioExample, texmlExample} {
		var w participantWire
		assert.True(t, w.scan([]byte(body)), "%.40s…", body)
	}
	fast, err := DecodeParticipant([]byte(twilioExample))
	require.NoError(t, err)
	assert.True(t, fast.Muted)
	require.NotNil(t, fast.StartConferenceOnEnter)
	assert.True(t, *fast.StartConferenceOnEnter)
	assert.Equal(t, "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", fast.CallID)
	assert.Equal(t, 2011, fast.Created.Year())

	// The same body with one escape in a member DecodeParticipant reads.
	escaped := []byte(`{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","call_sid":"CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u0061","label":null,"conference_sid":"CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"Fri, 18 Feb 2011 21:07:19 +0000","date_updated":"Fri, 18 Feb 2011 21:07:19 +0000","end_conference_on_exit":false,"muted":true,"hold":false,"status":"connected","start_conference_on_enter":true,"coaching":false,"call_sid_to_coach":null}`)
	var w participantWire
	require.False(t, w.scan(escaped))
	slow, err := DecodeParticipant(escaped)
	require.NoError(t, err)
	assert.Equal(t, fast.CallID, slow.CallID)
	fast.Raw, slow.Raw = nil, nil
	assert.Equal(t, fast, slow)

	for _, bad := range []string{`{"muted":"true"}`, `{"account_sid":5}`, `{"muted":tru}`, `[]`} {
		_, err := DecodeParticipant([]byte(bad))
		_, want := decodeReference([]byte(bad))
		assert.Equal(t, want != nil, err != nil, "%s: the error is encoding/json's", bad)
		if want != nil {
			assert.EqualError(t, err, want.Error())
		}
	}
}

func decodeReference(body []byte) (participantWire, error) {
	var w participantWire
	err := json.Unmarshal(body, &w)
	return w, err
}

func BenchmarkDecodeParticipant(b *testing.B) {
	body := []byte(twilioExample)
	b.Run("flatjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeParticipant(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) { // DecodeParticipant before flatjson
		b.ReportAllocs()
		for b.Loop() {
			w, err := decodeReference(body)
			if err != nil {
				b.Fatal(err)
			}
			_ = w.participant()
		}
	})
}

// TestDecodeParticipantRepeatedMember: encoding/json applies a repeated
// member in order, and a null leaves a string or a bool as it was (it
// clears a pointer): the fast path must not keep only the last value.
func TestDecodeParticipantRepeatedMember(t *testing.T) {
	for _, body := range []string{
		`{"label":"x","label":null}`, `{"muted":true,"muted":null}`, `{"label":null,"label":"x"}`,
		`{"start_conference_on_enter":true,"start_conference_on_enter":null}`, `{"muted":false,"muted":true}`,
	} {
		want, err := decodeReference([]byte(body))
		require.NoError(t, err)
		got, err := DecodeParticipant([]byte(body))
		require.NoError(t, err)
		assert.Equal(t, want.participant(), got, body)
	}
}

// TestParticipantFieldsInOrder: fields lists participantWire's fields in
// the order of the struct, whose tags give participantKeys, so each key
// decodes into its own field.
func TestParticipantFieldsInOrder(t *testing.T) {
	var w participantWire
	v := reflect.ValueOf(&w).Elem()
	f := w.fields()
	require.Equal(t, v.NumField(), len(f))
	for i, p := range f {
		assert.Equal(t, v.Field(i).Addr().Pointer(), reflect.ValueOf(p).Pointer(), "field %d (%s)", i, v.Type().Field(i).Name)
	}
	assert.Equal(t, "account_sid", participantKeys[0])
	assert.Equal(t, "coaching_call_sid", participantKeys[12])
}
