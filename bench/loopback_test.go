package bench

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Ids and credentials of the benchmark participant. The auth token is
// alphanumeric because twilio-go refuses anything else.
const (
	twAccount    = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	twConference = "CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	twCall       = "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	twToken      = "b3f9c2b7e51d04a8a9e6b5c1d2e3f4a5"

	txAPIKey     = "KEY0190C5A1E2F34B6C8D9E0F1A2B3C4D5E_bench"
	txAccount    = "4e71926f-8f13-450e-b91c-23c2ef786aa6"
	txConference = "cd5a70f4-759b-4d5e-9c06-88c00f16f3c1"
	txCall       = "v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ"
)

// twilioBody is the first named example of UpdateParticipant's 200
// response in twilio_api_v2010.json (muteParticipant), as Twilio's API
// sends it (compact JSON).
const twilioBody = `{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","call_sid":"CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","label":null,"conference_sid":"CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"Fri, 18 Feb 2011 21:07:19 +0000","date_updated":"Fri, 18 Feb 2011 21:07:19 +0000","end_conference_on_exit":false,"muted":true,"hold":false,"status":"connected","start_conference_on_enter":true,"coaching":false,"call_sid_to_coach":null,"queue_time":null,"uri":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Conferences/CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Participants/CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"}`

// texmlBody is Telnyx's ParticipantResource example from telnyx_spec3.yml,
// with muted set to true as after the update.
const texmlBody = `{"account_sid":"4e71926f-8f13-450e-b91c-23c2ef786aa6","api_version":"v2/texml","call_sid":"v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ","call_sid_legacy":"v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ","coaching":false,"conference_sid":"cd5a70f4-759b-4d5e-9c06-88c00f16f3c1","date_created":"Fri, 27 Oct 2023 07:41:58 +0000","date_updated":"Fri, 27 Oct 2023 07:41:58 +0000","end_conference_on_exit":false,"hold":false,"muted":true,"status":"connected","uri":"/v2/texml/Accounts/4e71926f-8f13-450e-b91c-23c2ef786aa6/Conferences/cd5a70f4-759b-4d5e-9c06-88c00f16f3c1/Participants/v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ.json"}`

// Paths the clients must send to; checked by TestClientsSendTheSameRequest,
// not by the benchmark handler.
const (
	twPath = "/2010-04-01/Accounts/" + twAccount + "/Conferences/" + twConference + "/Participants/" + twCall + ".json"
	txPath = "/v2/texml/Accounts/" + txAccount + "/Conferences/" + txConference + "/Participants/" + txCall
)

// fixedHandler is the loopback server every client talks to: it reads and
// discards the request body and answers 200 with body. It does no routing
// or bookkeeping, so the server's share of each measurement is the same
// for every client.
func fixedHandler(body string) http.Handler {
	b := []byte(body)
	ct := []string{"application/json; charset=utf-8"}
	cl := []string{strconv.Itoa(len(b))}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = ct
		h["Content-Length"] = cl
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
	})
}

// server is a loopback httptest server that counts the TCP connections it
// accepted.
type server struct {
	*httptest.Server
	conns atomic.Int64
}

func newServer(tb testing.TB, h http.Handler) *server {
	s := &server{Server: httptest.NewUnstartedServer(h)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Config.ReadHeaderTimeout = 10 * time.Second
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// settledConns returns the number of connections accepted once no new
// one has arrived for 20ms (at most 2s): on a busy machine the server's
// accept loop can lag behind dials the client already made.
func (s *server) settledConns() int64 {
	n := s.conns.Load()
	for range 100 {
		time.Sleep(20 * time.Millisecond)
		m := s.conns.Load()
		if m == n {
			break
		}
		n = m
	}
	return n
}

// pooledTransport is the transport given to the floor and to twilio-go: the
// same settings as carrierkit's default (httpx.NewTransport), an idle pool
// of 256 per host, so no client is limited by the pool at 64 goroutines.
func pooledTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// memTransport answers every request in memory with a fixed 200 and body,
// after reading the request body: no sockets, no server goroutine. It
// isolates what each client itself costs.
type memTransport struct{ body []byte }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"},
			"Content-Length": {strconv.Itoa(len(t.body))}},
		Body: io.NopCloser(bytes.NewReader(t.body)), ContentLength: int64(len(t.body)), Request: r,
	}, nil
}
