package httpdriver_test

import (
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/internal/twiliofamily"
	"github.com/carrierkit/carrierkit/participant"
)

// benchDialect is Twilio's: its wire names, paths and id checks.
var benchDialect = twiliofamily.Dialect("twilio",
	func(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
		switch {
		case !twiliofamily.IsSID(account, "AC"):
			return "Ref.Account", "must be an account SID"
		case !twiliofamily.IsSID(ref.Conference, "CF"):
			return "Ref.Conference", "must be a conference SID"
		case req.CallToCoach != nil && !twiliofamily.IsSID(*req.CallToCoach, "CA"):
			return "CallToCoach", "must be a call SID"
		}
		return "", ""
	})

var (
	benchURL  string
	benchForm []byte
)

// BenchmarkPrepare is what an update costs before anything is sent: the
// neutral validation (participant.Validate), the ref and vendor id checks
// with URL building, and the form encoding. "muted" is the update the
// network benchmarks send; "all-fields" sets every field, so three URLs are
// parsed and checked and the form holds escaped values.
func BenchmarkPrepare(b *testing.B) {
	c := httpdriver.New(&benchDialect, httpdriver.Config{BaseURL: "https://api.twilio.com", Account: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		Authorization: "Basic x"})
	ref := participant.Ref{Conference: "CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Call: "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
	yes, no := true, false
	hold, announce, wait := "https://example.com/hold.mp3?loop=10&vol=-3", "https://example.com/announce?lang=en&v=2",
		"https://example.com/wait.xml"
	coach := "CAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	for _, tc := range []struct {
		name string
		req  participant.UpdateRequest
	}{
		{"muted", participant.UpdateRequest{Muted: &yes}},
		{"all-fields", participant.UpdateRequest{Muted: &yes, Hold: &yes, HoldURL: &hold, HoldMethod: participant.MethodGET,
			AnnounceURL: &announce, AnnounceMethod: participant.MethodPOST, WaitURL: &wait, WaitMethod: participant.MethodGET,
			BeepOnExit: &no, EndConferenceOnExit: &no, Coaching: &yes, CallToCoach: &coach}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := tc.req
				u, body, err := c.Prepare(ref, &req)
				if err != nil {
					b.Fatal(err)
				}
				benchURL, benchForm = u, body
			}
		})
	}
}

var benchTime time.Time

// BenchmarkParseTime is one answer date, as Twilio and TeXML send them.
func BenchmarkParseTime(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchTime = httpdriver.ParseTime("Fri, 18 Feb 2011 21:07:19 +0000")
	}
}
