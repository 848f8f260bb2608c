package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/plivo"
	"github.com/carrierkit/carrierkit/providers/vonage"
)

// vonageKey is a fresh application key in PEM.
func vonageKey(b *testing.B) []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// stepTransport answers in memory as an action-verb carrier does: a GET
// with body (Plivo's conference), a POST 202 with a small body, a PUT 204.
type stepTransport struct{ get []byte }

var verbBody = []byte(`{"message":"muted","member_id":"1001","api_id":"x"}`)

func (t stepTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	status, body := http.StatusNoContent, []byte(nil)
	switch r.Method {
	case http.MethodGet:
		status, body = http.StatusOK, t.get
	case http.MethodPost:
		status, body = http.StatusAccepted, verbBody
	}
	return &http.Response{StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body:   io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

const plivoConference = `{"conference_name":"room","conference_run_time":"5","conference_member_count":"1",` +
	`"members":[{"muted":true,"member_id":"1001","deaf":true,"from":"+15550100","to":"sip:room@phone.plivo.com",` +
	`"caller_name":"","direction":"inbound","call_uuid":"0d0a7a3a-1111-4222-8333-444455556666","join_time":"2026-12-03 09:00:00+00:00"}],` +
	`"api_id":"x"}`

var (
	muteOnly  = participant.UpdateRequest{Muted: participant.Bool(true)}
	muteHold  = participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true)}
	muteHoldA = participant.UpdateRequest{Muted: participant.Bool(true), Hold: participant.Bool(true),
		AnnounceURL: participant.String("https://example.com/a.mp3")}
)

// BenchmarkSteps is what one update of k calls costs the client, over the
// in-memory transport: k = 1, 2, 3 (mute; mute, deaf; mute, deaf, play)
// on Plivo (each update then reads the member back: k+1 requests) and on
// Vonage (k requests, each with a freshly signed RS256 token; nothing is
// read back). BENCHMARKS.md compares each k-step run with k times the
// same adapter's one-step run, measured in the same run.
func BenchmarkSteps(b *testing.B) { benchSteps(b) }

// BenchmarkStepsRatio runs the 1-, 2- and 3-call updates of each adapter
// interleaved, one of each per iteration, and reports the time of the
// k-call update over the 1-call one: wall time (x2/1, x3/1), where both
// suffer the same load, and the process's CPU time (cpu2/1, cpu3/1),
// which a loaded machine does not inflate.
func BenchmarkStepsRatio(b *testing.B) { benchSteps(b) }

func benchSteps(b *testing.B) {
	opts := driver.Options{HTTPClient: &http.Client{Transport: stepTransport{get: []byte(plivoConference)}}}
	pl, err := plivo.New(plivo.Config{AuthID: "MAXXXXXXXXXXXXXXXXXX", AuthToken: "token", BaseURL: "http://api.invalid/v1", Options: opts})
	if err != nil {
		b.Fatal(err)
	}
	vo, err := vonage.New(vonage.Config{ApplicationID: "00000000-0000-4000-8000-00000000e001", PrivateKey: vonageKey(b),
		BaseURL: "http://api.invalid", Options: opts})
	if err != nil {
		b.Fatal(err)
	}
	plRef := participant.Ref{Conference: "room", Call: "1001"}
	if b.Name() == "BenchmarkStepsRatio" {
		stepsRatio(b, pl, vo, plRef)
		return
	}
	voRef := participant.Ref{Conference: "CON-00000000-0000-4000-8000-00000000c001", Call: "00000000-0000-4000-8000-0000000000b1"}
	for _, c := range []struct {
		name string
		u    participant.Updater
		ref  participant.Ref
		req  participant.UpdateRequest
	}{
		{"plivo-1step", pl, plRef, muteOnly}, {"plivo-2step", pl, plRef, muteHold}, {"plivo-3step", pl, plRef, muteHoldA},
		{"vonage-1step", vo, voRef, muteOnly}, {"vonage-2step", vo, voRef, muteHold}, {"vonage-3step", vo, voRef, muteHoldA},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.u.Update(ctx, c.ref, c.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func stepsRatio(b *testing.B, pl, vo participant.Updater, plRef participant.Ref) {
	voRef := participant.Ref{Conference: "CON-00000000-0000-4000-8000-00000000c001", Call: "00000000-0000-4000-8000-0000000000b1"}
	for _, c := range []struct {
		name string
		u    participant.Updater
		ref  participant.Ref
	}{{"plivo", pl, plRef}, {"vonage", vo, voRef}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var spent, cpu [3]time.Duration
			for b.Loop() {
				for k, req := range []participant.UpdateRequest{muteOnly, muteHold, muteHoldA} {
					start, startCPU := time.Now(), cpuTime()
					if _, err := c.u.Update(ctx, c.ref, req); err != nil {
						b.Fatal(err)
					}
					spent[k] += time.Since(start)
					cpu[k] += cpuTime() - startCPU
				}
			}
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "x2/1")
			b.ReportMetric(float64(spent[2])/float64(spent[0]), "x3/1")
			b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu2/1")
			b.ReportMetric(float64(cpu[2])/float64(cpu[0]), "cpu3/1")
		})
	}
}
