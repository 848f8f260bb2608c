package httpdriver_test

// Tests for the defects of issue 8 ("Hardening"), run against both
// adapters. Each fails on the code before the fix.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

const (
	twAccount = "AC0123456789abcdef0123456789abcdef"
	twKeySID  = "SK0123456789abcdef0123456789abcdef"
	twSecret  = "SeCrEt7hIsIsTheTwilioAuthToken42"
	txKey     = "KEY017F0000SeCrEtTeXmLkEy_9q"
	txAccount = "6c1d1f3e-93b2-4c43-b6e5-0f7b1d2c9a10"
	txConf    = "0f4d2a9e-1c3b-4e5f-8a7b-6c5d4e3f2a1b"
)

// hardAdapter is one adapter under test.
type hardAdapter struct {
	name    string
	open    func(base string, opts driver.Options) (participant.Updater, error)
	secrets []string // every credential, raw
	ref     participant.Ref
	coach   string // a valid CallToCoach
	// errorBody renders a vendor error whose message is msg (raw JSON text).
	errorBody func(msg string) string
}

var hardAdapters = []hardAdapter{
	{
		name: "twilio",
		open: func(base string, opts driver.Options) (participant.Updater, error) {
			return twilio.New(twilio.Config{AccountSID: twAccount, APIKeySID: twKeySID, APISecret: twSecret,
				BaseURL: base, Options: opts})
		},
		secrets: []string{twSecret},
		ref:     participant.Ref{Conference: "CF0123456789abcdef0123456789abcdef", Call: "CA0123456789abcdef0123456789abcdef"},
		coach:   "CAfedcba9876543210fedcba9876543210",
		errorBody: func(msg string) string {
			return `{"code":20003,"message":"` + msg + `","more_info":"` + msg + `","status":401}`
		},
	},
	{
		name: "texml",
		open: func(base string, opts driver.Options) (participant.Updater, error) {
			return texml.New(texml.Config{APIKey: txKey, Account: txAccount, BaseURL: base + "/v2", Options: opts})
		},
		secrets: []string{txKey},
		ref:     participant.Ref{Conference: txConf, Call: "v3:abcDEF_-123"},
		coach:   "v3:coach-call_1",
		errorBody: func(msg string) string {
			return `{"errors":[{"code":"10009","title":"` + msg + `","detail":"` + msg + `","source":{"pointer":"` + msg +
				`"},"meta":{"url":"` + msg + `"}}]}`
		},
	},
}

func fastPolicy(retries int) *driver.RetryPolicy {
	if retries == 0 {
		return &driver.RetryPolicy{} // no retries (waits with MaxRetries 0 are refused)
	}
	return &driver.RetryPolicy{MaxRetries: retries, WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}
}

// jsonUnicodeEscape spells every letter of s as \u00XX, as a JSON encoder may.
func jsonUnicodeEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			fmt.Fprintf(&b, `\u%04X`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// assertNoSecret checks every form of err (text, %v %+v %#v, JSON) and of
// every error in its unwrap chain (both Unwrap shapes), and every logged
// field, for each encoding of each secret.
func assertNoSecret(t *testing.T, err error, logs *observer.ObservedLogs, secrets []string, user string) {
	t.Helper()
	var forms []string
	for _, s := range secrets {
		forms = append(forms, scrub.Forms(scrub.Secret{User: user, Value: s})...)
	}
	texts := scrub.Texts(err)
	if logs != nil {
		for _, e := range logs.All() {
			line, _ := json.Marshal(e.ContextMap())
			texts = append(texts, e.Message+" "+string(line))
			for _, f := range e.Context {
				texts = append(texts, f.String, fmt.Sprint(f.Interface))
			}
		}
	}
	for _, txt := range texts {
		for _, f := range forms {
			if strings.Contains(txt, f) {
				t.Errorf("a form of a credential (%q) leaked into %q", f, txt)
			}
		}
	}
}

// Defect 1: a credential JSON-escaped (\uXXXX) in a vendor error body was
// decoded into VendorMessage, the vendor's *APIError and err.Error().
func TestSecretJSONEscapedInVendorErrorIsScrubbed(t *testing.T) {
	for _, a := range hardAdapters {
		t.Run(a.name, func(t *testing.T) {
			msg := "Authentication failed for token " + jsonUnicodeEscape(a.secrets[0])
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(a.errorBody(msg)))
			}))
			defer srv.Close()
			core, logs := observer.New(zapcore.DebugLevel)
			u, err := a.open(srv.URL, driver.Options{Logger: zap.New(core), Retry: fastPolicy(0)})
			require.NoError(t, err)
			_, err = u.Update(context.Background(), a.ref, participant.UpdateRequest{Muted: participant.Bool(true)})
			require.ErrorIs(t, err, participant.ErrUnauthenticated)
			var pe *participant.Error
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, pe.VendorMessage, scrub.Redacted)
			user := ""
			if a.name == "twilio" {
				user = twKeySID
			}
			assertNoSecret(t, err, logs, a.secrets, user)
			// The vendor's error value, field by field.
			vendor := reflect.ValueOf(errors.Unwrap(pe)).Elem()
			assert.NotContains(t, fmt.Sprintf("%#v", vendor.Interface()), a.secrets[0])
		})
	}
}

// rawServer serves each connection with handle; it counts connections.
func rawServer(t *testing.T, handle func(n int, c net.Conn)) (addr string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns = new(atomic.Int32)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(conns.Add(1))
			go func() {
				defer c.Close()
				handle(n, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "http://" + ln.Addr().String(), conns
}

// readRequest reads one request's head and body from c.
func readRequest(c net.Conn) (*http.Request, error) {
	r, err := http.ReadRequest(bufio.NewReader(c))
	if err == nil {
		_, _ = r.Body.Read(make([]byte, 64<<10))
	}
	return r, err
}

// Defect 2: a proxy that reflects the Authorization header into a
// malformed answer leaked it into the debug log's error field and into
// the *url.Error kept in the unwrap chain.
func TestReflectedAuthorizationIsScrubbedEverywhere(t *testing.T) {
	for _, a := range hardAdapters {
		t.Run(a.name, func(t *testing.T) {
			base, _ := rawServer(t, func(_ int, c net.Conn) {
				r, err := readRequest(c)
				if err != nil {
					return
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%s\r\nContent-Length: 0\r\n\r\n", r.Header.Get("Authorization"))
			})
			core, logs := observer.New(zapcore.DebugLevel)
			u, err := a.open(base, driver.Options{Logger: zap.New(core), Retry: fastPolicy(1)})
			require.NoError(t, err)
			_, err = u.Update(context.Background(), a.ref, participant.UpdateRequest{Muted: participant.Bool(true)})
			require.ErrorIs(t, err, participant.ErrUnavailable)
			require.NotEmpty(t, logs.All())
			user := ""
			if a.name == "twilio" {
				user = twKeySID
			}
			assertNoSecret(t, err, logs, a.secrets, user)
		})
	}
}

// countingServer answers every request with a participant and counts them.
func countingServer(t *testing.T, a hardAdapter) (string, *atomic.Int32) {
	t.Helper()
	n := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"call_sid":"` + a.ref.Call + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, n
}

// Defect 3: control characters, invalid UTF-8 and huge values in ids,
// labels and CallToCoach were sent instead of refused.
func TestHostileIDsAreRefused(t *testing.T) {
	type refCase struct {
		name  string
		edit  func(r *participant.Ref, req *participant.UpdateRequest)
		field string
	}
	var cases []refCase
	for _, bad := range []struct{ name, v string }{
		{"CRLF", "agent\r\nX-Injected: 1\r\n"}, {"NUL", "agent\x00"}, {"InvalidUTF8", "agent\xff\xfe"},
		{"DEL", "agent\x7f"}, {"C1", "agent\u0085"}, {"Tab", "a\tb"}, {"100KB", strings.Repeat("a", 100<<10)},
	} {
		cases = append(cases,
			refCase{"Account" + bad.name, func(r *participant.Ref, _ *participant.UpdateRequest) { r.Account = bad.v }, "Ref.Account"},
			refCase{"Conference" + bad.name, func(r *participant.Ref, _ *participant.UpdateRequest) { r.Conference = bad.v }, "Ref.Conference"},
			refCase{"Call" + bad.name, func(r *participant.Ref, _ *participant.UpdateRequest) { r.Call = bad.v }, "Ref.Call"},
			refCase{"CallToCoach" + bad.name, func(_ *participant.Ref, q *participant.UpdateRequest) {
				q.Coaching, q.CallToCoach = participant.Bool(true), participant.String(bad.v)
			}, "CallToCoach"},
		)
	}
	for _, a := range hardAdapters {
		for _, tc := range cases {
			t.Run(a.name+"/"+tc.name, func(t *testing.T) {
				base, sent := countingServer(t, a)
				u, err := a.open(base, driver.Options{Retry: fastPolicy(0)})
				require.NoError(t, err)
				ref, req := a.ref, participant.UpdateRequest{Muted: participant.Bool(true)}
				tc.edit(&ref, &req)
				_, err = u.Update(context.Background(), ref, req)
				require.ErrorIs(t, err, participant.ErrInvalidArgument)
				var pe *participant.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, tc.field, pe.Field, "%v", err)
				assert.Zero(t, sent.Load(), "nothing sent")
				assert.LessOrEqual(t, len(err.Error()), 400, "the value is not echoed")
			})
		}
	}
}

// Defect 3 (TeXML): account and conference are UUIDs, a call is v3:… or a
// label; a valid ref of that shape still goes through.
func TestTeXMLIDShapes(t *testing.T) {
	a := hardAdapters[1]
	base, sent := countingServer(t, a)
	u, err := a.open(base, driver.Options{Retry: fastPolicy(0)})
	require.NoError(t, err)
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	for _, tc := range []struct {
		ref   participant.Ref
		field string
	}{
		{participant.Ref{Account: "acct", Conference: txConf, Call: "x"}, "Ref.Account"},
		{participant.Ref{Conference: "conf-1", Call: "x"}, "Ref.Conference"},
		{participant.Ref{Conference: txConf + "0", Call: "x"}, "Ref.Conference"},
		{participant.Ref{Conference: txConf, Call: "v3:"}, "Ref.Call"},
		{participant.Ref{Conference: txConf, Call: "v3:a/b"}, "Ref.Call"},
	} {
		_, err := u.Update(context.Background(), tc.ref, mute)
		var pe *participant.Error
		require.ErrorAs(t, err, &pe, "%+v", tc.ref)
		assert.Equal(t, tc.field, pe.Field)
	}
	_, err = u.Update(context.Background(), participant.Ref{Conference: txConf, Call: "v3:x"},
		participant.UpdateRequest{Coaching: participant.Bool(true), CallToCoach: participant.String("agent-label")})
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "CallToCoach", pe.Field)
	assert.Zero(t, sent.Load())
	for _, call := range []string{"v3:abc", "agent 7", "ünïcödé"} {
		_, err := u.Update(context.Background(), participant.Ref{Conference: strings.ToUpper(txConf), Call: call}, mute)
		assert.NoError(t, err, call)
	}
}

// Defect 4: URLs of any length and with Unicode white space were sent.
func TestHostileURLsAreRefused(t *testing.T) {
	long := "https://x.example/" + strings.Repeat("a", 1<<20)
	for _, a := range hardAdapters {
		for _, bad := range []struct{ name, v string }{
			{"1MB", long}, {"NBSP", "https://x.example/a\u00a0b"}, {"LineSeparator", "https://x.example/a\u2028b"},
			{"IdeographicSpace", "https://x.example/\u3000"}, {"ZeroWidthSpace", "https://x.example/a\u200bb"},
			{"NonASCII", "https://x.example/müsic.mp3"}, {"InvalidUTF8", "https://x.example/\xff"},
		} {
			for _, f := range []participant.Field{participant.FieldHoldURL, participant.FieldAnnounceURL, participant.FieldWaitURL} {
				t.Run(a.name+"/"+f.String()+"/"+bad.name, func(t *testing.T) {
					base, sent := countingServer(t, a)
					u, err := a.open(base, driver.Options{Retry: fastPolicy(0)})
					require.NoError(t, err)
					req := participant.UpdateRequest{}
					*map[participant.Field]**string{participant.FieldHoldURL: &req.HoldURL,
						participant.FieldAnnounceURL: &req.AnnounceURL, participant.FieldWaitURL: &req.WaitURL}[f] = participant.String(bad.v)
					_, err = u.Update(context.Background(), a.ref, req)
					require.ErrorIs(t, err, participant.ErrInvalidArgument)
					var pe *participant.Error
					require.ErrorAs(t, err, &pe)
					assert.Equal(t, f.String(), pe.Field)
					assert.Zero(t, sent.Load())
					assert.Less(t, len(err.Error()), 400, "the URL is not echoed")
				})
			}
		}
	}
}

// hangServer accepts connections, reads the request and never answers.
func hangServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	stop := make(chan struct{})
	base, conns := rawServer(t, func(_ int, c net.Conn) {
		_, _ = readRequest(c)
		<-stop
	})
	t.Cleanup(func() { close(stop) }) // runs before the listener's cleanup
	return base, conns
}

// Defect 5: with context.Background(), an update to a server that never
// answers blocked forever. Now each attempt and the whole call are bounded;
// an attempt that timed out after sending is retried only when idempotent.
func TestDefaultTimeBoundsWithoutDeadline(t *testing.T) {
	for _, a := range hardAdapters {
		for _, tc := range []struct {
			name     string
			req      participant.UpdateRequest
			opts     driver.Options
			attempts int32
		}{
			{"IdempotentRetriedPerAttempt", participant.UpdateRequest{Muted: participant.Bool(true)},
				driver.Options{AttemptTimeout: 50 * time.Millisecond, Timeout: 5 * time.Second, Retry: fastPolicy(2)}, 3},
			{"AnnounceNotReplayed", participant.UpdateRequest{AnnounceURL: participant.String("https://x.example/a.xml")},
				driver.Options{AttemptTimeout: 50 * time.Millisecond, Timeout: 5 * time.Second, Retry: fastPolicy(2)}, 1},
			{"WholeCallBound", participant.UpdateRequest{Muted: participant.Bool(true)},
				driver.Options{AttemptTimeout: -1, Timeout: 100 * time.Millisecond, Retry: fastPolicy(2)}, 1},
		} {
			t.Run(a.name+"/"+tc.name, func(t *testing.T) {
				base, conns := hangServer(t)
				u, err := a.open(base, tc.opts)
				require.NoError(t, err)
				done := make(chan error, 1)
				go func() {
					_, err := u.Update(context.Background(), a.ref, tc.req)
					done <- err
				}()
				select {
				case err = <-done:
				case <-time.After(20 * time.Second): // a guard, not a timing assertion
					t.Fatal("still blocked after 20s with context.Background()")
				}
				require.ErrorIs(t, err, participant.ErrDeadlineExceeded)
				var pe *participant.Error
				require.ErrorAs(t, err, &pe)
				assert.EqualValues(t, tc.attempts, pe.Attempts)
				assert.Equal(t, tc.attempts, conns.Load(), "connections")
			})
		}
	}
}

// Defect 6: headers 200, then a reset mid-body, was ErrUnavailable after
// one attempt; an idempotent update is retried and succeeds.
func TestResetMidBodyIsRetriedWhenIdempotent(t *testing.T) {
	for _, a := range hardAdapters {
		for _, tc := range []struct {
			name     string
			req      participant.UpdateRequest
			attempts int32
			ok       bool
		}{
			{"Idempotent", participant.UpdateRequest{Muted: participant.Bool(true)}, 2, true},
			{"Announce", participant.UpdateRequest{AnnounceURL: participant.String("https://x.example/a.xml")}, 1, false},
		} {
			t.Run(a.name+"/"+tc.name, func(t *testing.T) {
				body := `{"call_sid":"` + a.ref.Call + `"}`
				base, conns := rawServer(t, func(n int, c net.Conn) {
					if _, err := readRequest(c); err != nil {
						return
					}
					if n == 1 {
						fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n%s", body[:10])
						c.(*net.TCPConn).SetLinger(0) // RST, not FIN
						return
					}
					fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				})
				u, err := a.open(base, driver.Options{Retry: fastPolicy(2)})
				require.NoError(t, err)
				p, err := u.Update(context.Background(), a.ref, tc.req)
				assert.Equal(t, tc.attempts, conns.Load())
				if !tc.ok {
					require.ErrorIs(t, err, participant.ErrUnavailable)
					var pe *participant.Error
					require.ErrorAs(t, err, &pe)
					assert.Equal(t, 1, pe.Attempts)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, a.ref.Call, p.CallID)
			})
		}
	}
}

// Defect 10: a 3xx answer said only "unexpected response".
func TestRedirectIsExplained(t *testing.T) {
	for _, a := range hardAdapters {
		for _, status := range []int{300, 301, 302, 303, 304, 305, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d", a.name, status), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Location", "https://elsewhere.example/")
					w.WriteHeader(status)
				}))
				defer srv.Close()
				u, err := a.open(srv.URL, driver.Options{Retry: fastPolicy(0)})
				require.NoError(t, err)
				_, err = u.Update(context.Background(), a.ref, participant.UpdateRequest{Muted: participant.Bool(true)})
				require.Error(t, err)
				assert.Contains(t, err.Error(), "redirected")
				assert.Contains(t, err.Error(), "does not follow redirects")
				assert.NotContains(t, err.Error(), "elsewhere")
			})
		}
	}
}
