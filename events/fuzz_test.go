package events_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/webhooksign"
)

// fuzzRequest builds a request as a server could receive it, from
// arbitrary method, request URI, header lines ("Name: value\n") and body.
func fuzzRequest(method, uri, headers string) *http.Request {
	r := &http.Request{Method: method, RequestURI: uri, Header: http.Header{}, Host: "10.0.0.7:8080",
		Body: http.NoBody}
	if u, err := url.ParseRequestURI(uri); err == nil {
		r.URL = u
	} else {
		r.URL = &url.URL{Path: "/"}
	}
	sc := bufio.NewScanner(strings.NewReader(headers))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return r
}

// twilioSigned is the oracle: does sig sign the request under key, by
// Twilio's rules, computed apart from the verifier (net/url and
// webhooksign)? It tries the URL as is, with the default port and with
// none.
func twilioSigned(key, fullURL, method, sig string, body []byte, relay bool) bool {
	variants := []string{fullURL}
	u, err := url.Parse(fullURL)
	if err != nil {
		u = &url.URL{} // as twilio-go: an unparsable URL is signed as it is
	}
	if host := u.Hostname(); host != "" {
		v := *u
		v.Host = host
		if strings.Contains(host, ":") {
			v.Host = "[" + host + "]"
		}
		variants = append(variants, v.String())
		if u.Port() == "" {
			d := map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
			if d != "" {
				v.Host = u.Host + ":" + d
				variants = append(variants, v.String())
			}
		}
	}
	bodyHash := u.Query().Get("bodySHA256")
	_, hashed := u.Query()["bodySHA256"]
	for _, full := range variants {
		if relay && len(sig) == 40 {
			mac := hmac.New(sha1.New, []byte(key))
			mac.Write([]byte(full))
			mac.Write(body)
			if hex.EncodeToString(mac.Sum(nil)) == strings.ToLower(sig) {
				return true
			}
			continue
		}
		var form url.Values
		if !hashed && method == http.MethodPost {
			if form, err = url.ParseQuery(string(body)); err != nil {
				return false
			}
		}
		if webhooksign.Twilio(key, full, form) == sig {
			if hashed {
				sum := sha256.Sum256(body)
				return hex.EncodeToString(sum[:]) == bodyHash
			}
			return true
		}
	}
	return false
}

func fuzzTwilioFamily(f *testing.F, header string, relay bool, key string, seeds []hmacVector) {
	for _, v := range seeds {
		f.Add(v.method, v.path, header+": "+v.sig+"\n", v.body, v.publicURL)
	}
	f.Add("POST", "/x?bodySHA256=", header+": AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "", "https://h:99999999999999999999")
	f.Add("GET", "*", "", "", "http://[::1]:80")
	f.Fuzz(func(t *testing.T, method, uri, headers, body, publicURL string) {
		r := fuzzRequest(method, uri, headers)
		src := events.URLSource{PublicURL: publicURL}
		var err error
		if relay {
			err = (&events.SignalWire{SigningKey: key, URLSource: src}).Verify(r, []byte(body))
		} else {
			err = (&events.Twilio{AuthToken: key, URLSource: src}).Verify(r, []byte(body))
		}
		if err != nil {
			if strings.Contains(err.Error(), key) {
				t.Fatalf("the error holds the key: %v", err)
			}
			return
		}
		full, _ := src.URL(r)
		sig := r.Header.Get(header)
		if relay && sig == "" {
			sig = r.Header.Get(events.HeaderTwilioSignature)
		}
		if !twilioSigned(key, full, method, sig, []byte(body), relay) {
			t.Fatalf("accepted without a valid signature: %s %q sig %q body %q", method, full, sig, body)
		}
	})
}

func FuzzTwilioVerify(f *testing.F) {
	fuzzTwilioFamily(f, events.HeaderTwilioSignature, false, vecToken, append(twilioVectors, twilioRejected...))
}

func FuzzSignalWireVerify(f *testing.F) {
	fuzzTwilioFamily(f, events.HeaderSignalWireSignature, true, swKey, signalwireVectors)
}

func FuzzTeXMLVerify(f *testing.F) {
	f.Add(vecTelnyxTS, vecTelnyxSig, vecTelnyxBody, "")
	f.Add("-9223372036854775808", vecTelnyxSig, "", "X: y\n")
	f.Add("1705314600", strings.Repeat("A", 86)+"==", "{}", "")
	_, pub := rfc8032Key()
	at := time.Unix(1705314600, 0)
	f.Fuzz(func(t *testing.T, ts, sig, body, headers string) {
		r := fuzzRequest("POST", "/texml", headers)
		r.Header.Set(events.HeaderTelnyxTimestamp, ts)
		r.Header.Set(events.HeaderTelnyxSignature, sig)
		tx := &events.TeXML{PublicKey: pub, Now: func() time.Time { return at }}
		if tx.Verify(r, []byte(body)) != nil {
			return
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		secs, terr := strconv.ParseInt(ts, 10, 64)
		if err != nil || terr != nil || !ed25519.Verify(pub, []byte(ts+"|"+body), raw) || secs < at.Unix()-300 || secs > at.Unix()+300 {
			t.Fatalf("accepted without a valid signature: ts %q sig %q body %q", ts, sig, body)
		}
		if tx.Verify(r, []byte(body)) == nil {
			t.Fatal("a replay was accepted")
		}
	})
}

func FuzzBandwidthVerify(f *testing.F) {
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass")))
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("basic " + base64.StdEncoding.EncodeToString([]byte("user:pass:x")))
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, authorization string) {
		r := fuzzRequest("POST", "/bw", "")
		r.Header.Set("Authorization", authorization)
		if (&events.Bandwidth{Username: "user", Password: "pass"}).Verify(r, nil) != nil {
			return
		}
		scheme, cred, _ := strings.Cut(authorization, " ")
		raw, err := base64.StdEncoding.DecodeString(cred)
		if !strings.EqualFold(scheme, "Basic") || err != nil || string(raw) != "user:pass" {
			t.Fatalf("accepted %q", authorization)
		}
	})
}

func FuzzParseTwilio(f *testing.F) {
	for _, p := range []string{vecTelnyxBody, vecForm, vecFormV,
		twilioCallback("participant-mute", 3, url.Values{"Muted": {"true"}}).Encode(),
		twilioCallback("conference-end", 9, url.Values{"ReasonConferenceEnded": {"last-participant-left"}}).Encode()} {
		for _, provider := range []string{events.ProviderTwilio, events.ProviderSignalWire, events.ProviderTeXML} {
			f.Add(provider, "POST", "", p)
			f.Add(provider, "GET", p, "")
		}
	}
	f.Add(events.ProviderTwilio, "POST", "bodySHA256=x", `{"StatusCallbackEvent":"conference-start","ConferenceSid":"c","Timestamp":"2024-01-15T10:30:00Z","Muted":true}`)
	f.Fuzz(func(t *testing.T, provider, method, query, body string) {
		r := fuzzRequest(method, "/h?"+query, "")
		r.URL.RawQuery = query
		var rcv events.Receiver
		switch provider {
		case events.ProviderSignalWire:
			rcv = &events.SignalWire{}
		case events.ProviderTeXML:
			rcv = &events.TeXML{}
		default:
			provider, rcv = events.ProviderTwilio, &events.Twilio{}
		}
		ev, err := rcv.Parse(r, []byte(body))
		if err != nil {
			return
		}
		if want, ok := events.CarrierEvents(provider)[ev.CarrierType]; !ok || want != ev.Type || ev.Conference == "" || ev.Time.IsZero() {
			t.Fatalf("%s: parsed %+v", provider, ev)
		}
	})
}

func FuzzParseBandwidth(f *testing.F) {
	f.Add("POST", "", bwJoin)
	f.Add("GET", "eventType=conferenceMemberExit&eventTime=2019-07-31T13%3A16%3A01.324Z&conferenceId=conf-1&callId=c-1", "")
	f.Add("POST", "", `{"eventType":"conferenceCompleted","eventTime":"2019-07-31T13:16:01Z","conferenceId":"c","name":1}`)
	f.Fuzz(func(t *testing.T, method, query, body string) {
		ev, err := events.ParseBandwidth(method, query, []byte(body))
		if err != nil {
			return
		}
		if want, ok := events.CarrierEvents(events.ProviderBandwidth)[ev.CarrierType]; !ok || want != ev.Type || ev.Conference == "" || ev.State != (events.State{}) {
			t.Fatalf("parsed %+v", ev)
		}
	})
}

// FuzzTwilioTime: the fast path for Twilio's RFC 2822 form agrees with
// time.Parse on every input it accepts.
func FuzzTwilioTime(f *testing.F) {
	f.Add("Thu, 1 Jun 2017 20:48:32 +0000")
	f.Add("Thu, 29 Feb 2024 00:00:00 +0000")
	f.Add("Thu, 29 Feb 2023 00:00:00 +0000")
	f.Fuzz(func(t *testing.T, s string) {
		p := url.Values{"ConferenceSid": {"c"}, "StatusCallbackEvent": {"conference-start"}, "Timestamp": {s}}
		ev, err := events.ParseTwilio(events.ProviderTwilio, p, "")
		if err != nil {
			return
		}
		want, werr := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", s)
		if werr == nil && !ev.Time.Equal(want) {
			t.Fatalf("%q: got %v, time.Parse %v", s, ev.Time, want)
		}
	})
}

// FuzzTwilioHandler: a request reaches the app through the Handler only
// when it is signed (the oracle above), and what the app gets is what
// Parse makes of it (the Handler's one-pass form path agrees with Parse).
func FuzzTwilioHandler(f *testing.F) {
	for _, v := range twilioVectors {
		f.Add(v.method, v.path, events.HeaderTwilioSignature+": "+v.sig+"\n", v.body)
	}
	p := twilioCallback("participant-mute", 3, url.Values{"Muted": {"true"}, "Hold": {"false"}})
	f.Add("POST", "/status", events.HeaderTwilioSignature+": "+webhooksign.Twilio(hookToken, hookPublic+"/status", p)+"\n", p.Encode())
	f.Fuzz(func(t *testing.T, method, uri, headers, body string) {
		r := fuzzRequest(method, uri, headers)
		r.Body = io.NopCloser(strings.NewReader(body))
		var got []events.Event
		h := events.NewHandler(&events.Twilio{AuthToken: hookToken, URLSource: events.URLSource{PublicURL: hookPublic}},
			func(_ context.Context, ev events.Event) error { got = append(got, ev); return nil }, events.HandlerOptions{})
		h.ServeHTTP(httptest.NewRecorder(), r)
		if len(got) == 0 {
			return
		}
		full, _ := events.URLSource{PublicURL: hookPublic}.URL(r)
		if !twilioSigned(hookToken, full, method, r.Header.Get(events.HeaderTwilioSignature), []byte(body), false) {
			t.Fatalf("delivered without a valid signature: %s %q", method, full)
		}
		r.Body = io.NopCloser(strings.NewReader(body))
		want, err := (&events.Twilio{}).Parse(r, []byte(body))
		if err != nil || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("delivered %+v\nParse     %+v, %v", got[0], want, err)
		}
	})
}
