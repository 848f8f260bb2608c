package bandwidth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/bandwidth"
)

// capture answers the update's PUT with 204 and its read-back GET with a
// member, keeping the PUT body; nothing leaves the process.
type capture struct {
	puts [][]byte
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := http.StatusOK, `{"callId":"c-1","conferenceId":"conf-1","mute":false,"hold":false}`
	if r.Method == http.MethodPut {
		b, _ := io.ReadAll(r.Body)
		c.puts = append(c.puts, b)
		status, body = http.StatusNoContent, ""
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// FuzzJSONEncoding: whatever the request, a sent body is one JSON object
// holding exactly the fields set (false sent as false, nil left out) with
// their values, coaching as callIdsToCoach; or the request is refused with
// nothing sent.
func FuzzJSONEncoding(f *testing.F) {
	f.Add(uint8(0x3f), "c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85")
	f.Add(uint8(0x05), "")
	f.Add(uint8(0x18), "c-\"quoted\"\\\u2028")
	f.Add(uint8(0x28), "c-\x00\r\n")
	f.Add(uint8(0x10), "\xff\xfe")
	f.Fuzz(func(t *testing.T, set uint8, coach string) {
		bit := func(i int) bool { return set&(1<<i) != 0 }
		tr := &capture{}
		c, err := bandwidth.New(bandwidth.Config{AccountID: "9900000", Username: "u", Password: "p",
			BaseURL: "http://carrier.invalid", Options: driver.Options{HTTPClient: &http.Client{Transport: tr},
				Retry: &driver.RetryPolicy{}}})
		if err != nil {
			t.Fatal(err)
		}
		var req participant.UpdateRequest
		if bit(0) {
			req.Muted = participant.Bool(bit(1))
		}
		if bit(2) {
			req.Hold = participant.Bool(bit(3))
		}
		if bit(4) {
			req.Coaching = participant.Bool(bit(6))
		}
		if bit(5) {
			req.CallToCoach = &coach
		}
		ref := participant.Ref{Conference: "conf-fe23a767-a75a5b77-20c5-4cca-b581-cbbf0776eca9",
			Call: "c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85"}
		_, err = c.Update(context.Background(), ref, req)
		if len(tr.puts) == 0 {
			var pe *participant.Error
			if !errors.As(err, &pe) || pe.Attempts != 0 || req.Fields() != 0 && pe.Field == "" {
				t.Fatalf("nothing sent, so the request must be refused naming a field; got %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("sent, then failed: %v", err)
		}
		if len(tr.puts) != 1 {
			t.Fatalf("%d PUTs for one update", len(tr.puts))
		}
		dec := json.NewDecoder(bytes.NewReader(tr.puts[0]))
		dec.DisallowUnknownFields()
		var got struct {
			Mute           *bool     `json:"mute"`
			Hold           *bool     `json:"hold"`
			CallIDsToCoach *[]string `json:"callIdsToCoach"`
		}
		if err := dec.Decode(&got); err != nil || dec.More() {
			t.Fatalf("body %q is not one object of known fields: %v", tr.puts[0], err)
		}
		sameBool := func(name string, want, got *bool) {
			switch {
			case want == nil && got != nil:
				t.Fatalf("%s: body %q sets a field the request left nil", name, tr.puts[0])
			case want != nil && (got == nil || *got != *want):
				t.Fatalf("%s: body %q, request %v", name, tr.puts[0], *want)
			}
		}
		sameBool("mute", req.Muted, got.Mute)
		sameBool("hold", req.Hold, got.Hold)
		var want *[]string
		switch {
		case req.CallToCoach != nil:
			want = &[]string{*req.CallToCoach}
		case req.Coaching != nil:
			want = &[]string{}
		}
		if (want == nil) != (got.CallIDsToCoach == nil) ||
			want != nil && strings.Join(*want, "\x00") != strings.Join(*got.CallIDsToCoach, "\x00") {
			t.Fatalf("callIdsToCoach: body %q, want %v", tr.puts[0], want)
		}
	})
}
