package bench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/webhooksign"
)

// A conference-end status callback as Twilio posts it (the fields of
// events.md §3.1), to the URL an app configured.
const (
	hookToken  = "0123456789abcdef0123456789abcdef"
	hookPublic = "https://hooks.example.com"
	hookPath   = "/twilio/status?tenant=42"
)

func conferenceEnd(seq int) url.Values {
	return url.Values{
		"ConferenceSid": {"CFe08c870b500f6e44a9ad184defd1f391"}, "FriendlyName": {"MyConf"},
		"AccountSid": {"AC00000000000000000000000000000001"}, "SequenceNumber": {strconv.Itoa(seq)},
		"Timestamp": {"Thu, 1 Jun 2017 20:48:32 +0000"}, "StatusCallbackEvent": {"conference-end"},
		"ReasonConferenceEnded":            {"participant-with-end-conference-on-exit-left"},
		"Reason":                           {"Participant CA25e16e9a716a4a1786a7c83f58e30482 with endConferenceOnExit left the conference"},
		"CallSidEndingConference":          {"CA25e16e9a716a4a1786a7c83f58e30482"},
		"ParticipantLabelEndingConference": {"moderator"},
	}
}

// webhook is a request an app's server receives, its body re-readable.
type webhook struct {
	req  *http.Request
	body []byte
	rd   bytes.Reader
}

func (w *webhook) Read(p []byte) (int, error) { return w.rd.Read(p) }
func (w *webhook) Close() error               { return nil }

// reset makes the request new again, for the next iteration.
func (w *webhook) reset() *http.Request {
	w.rd.Reset(w.body)
	w.req.Body = w
	return w.req
}

func newWebhook(method, path string, body []byte, header http.Header) *webhook {
	u, _ := url.ParseRequestURI(path)
	w := &webhook{body: body}
	w.req = &http.Request{Method: method, URL: u, RequestURI: path, Host: "10.0.0.7:8080", Header: header}
	return w
}

func twilioWebhook(seq int) *webhook {
	form := conferenceEnd(seq)
	body := []byte(form.Encode())
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	h.Set(events.HeaderTwilioSignature, webhooksign.Twilio(hookToken, hookPublic+hookPath, form))
	return newWebhook(http.MethodPost, hookPath, body, h)
}

// jsonWebhook is the bodySHA256 variant: a JSON body, the URL signed alone.
func jsonWebhook() *webhook {
	body := []byte(`{"StatusCallbackEvent":"conference-end","ConferenceSid":"CFe08c870b500f6e44a9ad184defd1f391","Timestamp":"Thu, 1 Jun 2017 20:48:32 +0000"}`)
	path := hookPath + "&bodySHA256=" + url.QueryEscape(webhooksign.WithBodySHA256("", body)[len("?bodySHA256="):])
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set(events.HeaderTwilioSignature, webhooksign.Twilio(hookToken, hookPublic+path, nil))
	return newWebhook(http.MethodPost, path, body, h)
}

// BenchmarkVerify compares verification alone, in one run:
//   - twilio-go: RequestValidator.ValidateBody(url, body, signature), given
//     the full URL (an app must build it; not counted) and the raw body.
//   - carrierkit: events.Twilio.Verify(request, body), building the URL
//     from PublicURL and the request line.
//   - ed25519-floor: crypto/ed25519.Verify over timestamp|body with the
//     headers decoded, the least a Telnyx verifier does (telnyx-go is not
//     on the module proxy: 403); carrierkit-texml adds the tolerance and
//     replay checks.
func BenchmarkVerify(b *testing.B) {
	form := twilioWebhook(7)
	js := jsonWebhook()
	rv := client.NewRequestValidator(hookToken)
	tw := &events.Twilio{AuthToken: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}}
	for _, c := range []struct {
		name string
		w    *webhook
	}{{"form", form}, {"json", js}} {
		full := hookPublic + c.w.req.RequestURI
		sig := c.w.req.Header.Get(events.HeaderTwilioSignature)
		b.Run("twilio-go/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if !rv.ValidateBody(full, c.w.body, sig) {
					b.Fatal("twilio-go rejected it")
				}
			}
		})
		b.Run("carrierkit-twilio/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if err := tw.Verify(c.w.req, c.w.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	pub, priv, _ := ed25519.GenerateKey(nil)
	body := []byte(conferenceEnd(7).Encode())
	now := time.Unix(1_700_000_000, 0)
	sig, ts := webhooksign.Telnyx(priv, now, body)
	b.Run("ed25519-floor", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		h := http.Header{}
		h.Set(events.HeaderTelnyxSignature, sig)
		h.Set(events.HeaderTelnyxTimestamp, ts)
		for b.Loop() {
			raw, err := base64.StdEncoding.DecodeString(h.Get(events.HeaderTelnyxSignature))
			if err != nil {
				b.Fatal(err)
			}
			msg := append([]byte(h.Get(events.HeaderTelnyxTimestamp)+"|"), body...)
			if !ed25519.Verify(pub, msg, raw) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("carrierkit-texml", func(b *testing.B) {
		// Each accepted signature is remembered for replays, so one cannot
		// be verified twice: a ring of 1,024 signed bodies, with room for
		// 512, makes every verify record one signature and forget another.
		const ring = 1024
		hooks := make([]*webhook, ring)
		for i := range hooks {
			body := []byte(conferenceEnd(i).Encode())
			sig, ts := webhooksign.Telnyx(priv, now, body)
			hooks[i] = newWebhook(http.MethodPost, "/texml", body, http.Header{})
			hooks[i].req.Header.Set(events.HeaderTelnyxSignature, sig)
			hooks[i].req.Header.Set(events.HeaderTelnyxTimestamp, ts)
		}
		tx := &events.TeXML{PublicKey: pub, ReplayCapacity: ring / 2, Now: func() time.Time { return now }}
		i := 0
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			w := hooks[i%ring]
			if err := tx.Verify(w.req, w.body); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkEventsHandler is the whole Handler on the form callback above:
// read the body, verify, parse into an Event, dedup, deliver (a no-op),
// answer 200. Each iteration is a new event (distinct SequenceNumber,
// from a ring of 1,024 pre-signed requests, the dedup clock moving past
// the window between laps), so none is dropped as a duplicate.
//
// verify-only is its baseline, on the same ring and through the same
// ServeHTTP call and ResponseWriter: an http.Handler an app writes to
// verify by hand, doing the same HTTP-level work as the Handler (the
// method check, a body read bounded the same way into a pooled buffer,
// the 200) around Verify, and nothing else.
func BenchmarkEventsHandler(b *testing.B) {
	const ring = 1024
	hooks := make([]*webhook, ring)
	for i := range hooks {
		hooks[i] = twilioWebhook(i)
	}
	tw := &events.Twilio{AuthToken: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}}
	serve := func(b *testing.B, h http.Handler, lap func()) {
		w := &nullWriter{h: http.Header{}}
		i := 0
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if i%ring == 0 {
				lap()
			}
			w.code = 0
			h.ServeHTTP(w, hooks[i%ring].reset())
			if w.code != http.StatusOK {
				b.Fatalf("answered %d", w.code)
			}
			i++
		}
	}
	b.Run("verify-only", func(b *testing.B) {
		serve(b, verifyOnly(tw, events.DefaultMaxBody), func() {})
	})
	b.Run("handler", func(b *testing.B) {
		now := time.Unix(1_700_000_000, 0)
		h := events.NewHandler(tw, func(context.Context, events.Event) error { return nil },
			events.HandlerOptions{DedupWindow: time.Minute, Now: func() time.Time { return now }})
		serve(b, h, func() { now = now.Add(2 * time.Minute) })
	})
}

// BenchmarkEventsHandlerPaired runs the two sides of BenchmarkEventsHandler
// in one loop, in alternating blocks of 32 requests (the order flipped
// each time), so on a shared machine both see the same load; it reports
// each side's wall and CPU time per request and their ratios
// (handler / verify-only). CPU time is the process's: garbage collection
// running in the background is counted in whichever block it overlaps,
// so the handler's own GC is partly charged to verify-only here
// (BenchmarkEventsHandler's separate runs charge each side its own).
func BenchmarkEventsHandlerPaired(b *testing.B) {
	const ring, block = 1024, 32
	hooks := make([]*webhook, ring)
	for i := range hooks {
		hooks[i] = twilioWebhook(i)
	}
	tw := &events.Twilio{AuthToken: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}}
	now := time.Unix(1_700_000_000, 0)
	sides := [2]struct {
		h         http.Handler
		lap       func()
		i         int
		wall, cpu time.Duration
	}{
		{h: verifyOnly(tw, events.DefaultMaxBody), lap: func() {}},
		{h: events.NewHandler(tw, func(context.Context, events.Event) error { return nil },
			events.HandlerOptions{DedupWindow: time.Minute, Now: func() time.Time { return now }}),
			lap: func() { now = now.Add(2 * time.Minute) }},
	}
	w := &nullWriter{h: http.Header{}}
	run := func(side int) {
		s := &sides[side]
		start, cpu0 := time.Now(), cpuTime()
		for range block {
			if s.i%ring == 0 {
				s.lap()
			}
			w.code = 0
			s.h.ServeHTTP(w, hooks[s.i%ring].reset())
			if w.code != http.StatusOK {
				b.Fatalf("side %d answered %d", side, w.code)
			}
			s.i++
		}
		s.wall += time.Since(start)
		s.cpu += cpuTime() - cpu0
	}
	flip := 0
	for b.Loop() {
		run(flip)
		run(1 - flip)
		flip = 1 - flip
	}
	v, h := &sides[0], &sides[1]
	b.ReportMetric(float64(v.wall)/float64(v.i), "verify-ns/op")
	b.ReportMetric(float64(h.wall)/float64(h.i), "handler-ns/op")
	b.ReportMetric(float64(h.wall)/float64(v.wall), "wall-ratio")
	if v.cpu > 0 {
		b.ReportMetric(float64(v.cpu)/float64(v.i), "verify-cpu-ns/op")
		b.ReportMetric(float64(h.cpu)/float64(h.i), "handler-cpu-ns/op")
		b.ReportMetric(float64(h.cpu)/float64(v.cpu), "cpu-ratio")
	}
}

// verifyOnly is an app's own handler around rcv.Verify: the Handler's
// HTTP-level steps without parsing, dedup or delivery.
func verifyOnly(rcv events.Receiver, maxBody int) http.Handler {
	bufs := sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		bp := bufs.Get().(*[]byte)
		defer bufs.Put(bp)
		body := (*bp)[:0]
		for len(body) <= maxBody {
			if len(body) == cap(body) {
				body = append(body, 0)[:len(body)]
			}
			n, err := r.Body.Read(body[len(body):min(cap(body), maxBody+1)])
			body = body[:len(body)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
		}
		*bp = body[:0]
		if len(body) > maxBody {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := rcv.Verify(r, body); err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// nullWriter is a ResponseWriter that keeps only the status.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}
func (w *nullWriter) WriteHeader(code int) { w.code = code }

var _ io.ReadCloser = (*webhook)(nil)
