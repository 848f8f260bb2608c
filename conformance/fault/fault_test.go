package fault_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carrierkit/carrierkit/conformance/fault"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParse(t *testing.T) {
	for in, want := range map[string]fault.Fault{
		"twilio:503":            {Provider: "twilio", Status: 503},
		"twilio:503:2":          {Provider: "twilio", Status: 503, Times: 2},
		"texml:429:always":      {Provider: "texml", Status: 429, Times: -1},
		"texml:drop":            {Provider: "texml", Drop: true},
		"texml:reset:2":         {Provider: "texml", Reset: true, Times: 2},
		"twilio:malformed:3":    {Provider: "twilio", Malformed: true, Times: 3},
		"twilio:hang:always@1":  {Provider: "twilio", Hang: true, Times: -1, Endpoint: 1},
		"refuse@2":              {Refuse: true, Endpoint: 2},
		"texml:truncate":        {Provider: "texml", Truncate: true},
		"twilio:trickle:always": {Provider: "twilio", Trickle: fault.DefaultTrickle, Times: -1},
	} {
		got, err := fault.Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		assert.NoError(t, got.Validate(), in)
	}
	for in, msg := range map[string]string{
		"twilio":       "want PROVIDER:",
		"twilio:slow":  "kind must be",
		"twilio:503:0": "times must be",
		"twilio:503:x": "times must be",
		"a:b:c:d":      "want PROVIDER:",
		"twilio:99":    "status 99",
		"refuse":       "refuse needs an endpoint",
		"refuse@0":     "endpoint after @",
		"twilio:503@x": "endpoint after @",
	} {
		_, err := fault.Parse(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), msg, in)
		assert.Contains(t, err.Error(), in, "the error quotes the flag value")
	}
}

func TestValidate(t *testing.T) {
	for _, ok := range []fault.Fault{
		{Status: 429, RetryAfter: "1"}, {Status: 200, Body: "<html>"}, {Body: " "}, {Delay: time.Nanosecond},
		{Drop: true, Delay: time.Second}, {Reset: true}, {Hang: true, Times: -1}, {Refuse: true, Times: 3}, {Malformed: true},
		{Truncate: true}, {Truncate: true, Reset: true}, {Truncate: true, Status: 503, Reset: true}, {Truncate: true, Body: "<html>"},
		{Trickle: time.Millisecond, Delay: time.Second},
	} {
		assert.NoError(t, ok.Validate(), "%+v", ok)
	}
	for bad, msg := range map[*fault.Fault]string{
		{}:                                     "fault does nothing",
		{Status: 99}:                           "status 99",
		{Status: 600}:                          "status 600",
		{Drop: true, Times: -2}:                "times",
		{Drop: true, Endpoint: -1}:             "endpoint",
		{Delay: -time.Second}:                  "delay -1s",
		{Drop: true, Hang: true}:               "drop and hang",
		{Status: 503, Malformed: true}:         "status and malformed",
		{Body: "x", Reset: true}:               "status and reset",
		{Refuse: true, Drop: true}:             "drop and refuse",
		{Status: 500, Hang: true}:              "status and hang",
		{Malformed: true, Reset: true}:         "malformed and reset",
		{Hang: true, Refuse: true}:             "hang and refuse",
		{Drop: true, Malformed: true}:          "malformed and drop",
		{Reset: true, Refuse: true}:            "reset and refuse",
		{Status: 404, Refuse: true}:            "status and refuse",
		{Reset: true, Hang: true}:              "reset and hang",
		{Drop: true, Reset: true}:              "drop and reset",
		{Malformed: true, Hang: true}:          "malformed and hang",
		{Malformed: true, Refuse: true}:        "malformed and refuse",
		{Status: 503, Drop: true}:              "status and drop",
		{Truncate: true, Drop: true}:           "drop and truncate",
		{Truncate: true, Hang: true}:           "hang and truncate",
		{Trickle: time.Second, Status: 200}:    "status and trickle",
		{Trickle: time.Second, Truncate: true}: "trickle and truncate",
		{Trickle: -time.Second}:                "trickle -1s",
	} {
		err := bad.Validate()
		require.Error(t, err, "%+v", *bad)
		assert.Contains(t, err.Error(), msg, "%+v", *bad)
	}
}

// TestJSON: the emulator's admin API form round-trips; delay is a Go
// duration, retry_after a string or a number, unknown keys are refused.
func TestJSON(t *testing.T) {
	in := fault.Fault{Provider: "twilio", Status: 503, Code: "20503", Message: "down", RetryAfter: "2", Delay: 1500 * time.Millisecond,
		Endpoint: 1, Times: 2}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"provider":"twilio","status":503,"code":"20503","message":"down","retry_after":"2","delay":"1.5s","endpoint":1,"times":2}`,
		string(b))
	var out fault.Fault
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)

	require.NoError(t, json.Unmarshal([]byte(`{"provider":"texml","retry_after":7,"reset":true}`), &out))
	assert.Equal(t, fault.Fault{Provider: "texml", RetryAfter: "7", Reset: true}, out)
	trickle := fault.Fault{Provider: "twilio", Trickle: 20 * time.Millisecond}
	b, err = json.Marshal(trickle)
	require.NoError(t, err)
	assert.JSONEq(t, `{"provider":"twilio","trickle":"20ms"}`, string(b))
	out = fault.Fault{}
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, trickle, out)
	for body, msg := range map[string]string{
		`{"status":500,"x":1}`:    `unknown field "x"`,
		`{"delay":"soon"}`:        `delay: invalid duration "soon"`,
		`{"retry_after":true}`:    "retry_after: want seconds or an HTTP date",
		`{"status":"500"}`:        "cannot unmarshal",
		`{"delay":"1s","drop":1}`: "cannot unmarshal",
		`{"trickle":"often"}`:     `trickle: invalid duration "often"`,
	} {
		err := json.Unmarshal([]byte(body), &out)
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), msg, body)
	}
}

// TestTruncated: the head announces the whole body and half of it
// follows; an answer without a body is cut in its head. A client reading
// it gets the head and then an unexpected EOF.
func TestTruncated(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}}
	got := fault.Truncated(200, h, []byte(`{"muted":true}`))
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, int64(14), resp.ContentLength)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, `{"muted`, string(b))

	got = fault.Truncated(204, http.Header{}, nil)
	_, err = http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
	assert.Error(t, err, "the head itself is cut: %q", got)
	assert.True(t, strings.HasPrefix(string(got), "HTTP/1.1 204") && !strings.Contains(string(got), "\r\n\r\n"), "%q", got)
}
