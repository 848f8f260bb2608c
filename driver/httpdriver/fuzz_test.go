package httpdriver_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// recorder is an in-memory carrier: it records the one request it gets and
// answers with a participant.
type recorder struct {
	call string
	got  *http.Request
	body []byte
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec.got = r
	if r.Body != nil {
		rec.body, _ = io.ReadAll(r.Body)
	}
	id, _ := json.Marshal(rec.call)
	body := `{"call_sid":` + string(id) + `}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

const fuzzBase = "http://carrier.invalid:8080/root"

// fuzzUpdate sends req through adapter a to an in-memory carrier. It
// returns the request the carrier saw (nil when none was sent) and the error.
func fuzzUpdate(t *testing.T, a hardAdapter, ref participant.Ref, req participant.UpdateRequest) (*recorder, error) {
	rec := &recorder{call: ref.Call}
	u, err := a.open(fuzzBase, driver.Options{HTTPClient: &http.Client{Transport: rec},
		Retry: &driver.RetryPolicy{MaxRetries: 0}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Update(context.Background(), ref, req)
	if rec.got == nil {
		return nil, err
	}
	return rec, err
}

// refusedBeforeSending checks that err is a refusal naming a field.
func refusedBeforeSending(t *testing.T, rec *recorder, err error) {
	t.Helper()
	var pe *participant.Error
	if !errors.As(err, &pe) || (pe.Code != participant.CodeInvalidArgument && pe.Code != participant.CodeUnsupported) {
		t.Fatalf("refused with %v, want an invalid-argument or unsupported *participant.Error", err)
	}
	if rec != nil {
		t.Fatalf("refused (%v) but sent %s", err, rec.got.URL)
	}
}

// FuzzRequestStaysOnEndpoint: whatever the ids, a request goes to the
// configured host, under the adapter's root, as exactly one participant
// resource whose segments decode back to the ids; or it is refused with
// nothing sent.
func FuzzRequestStaysOnEndpoint(f *testing.F) {
	for _, a := range hardAdapters {
		f.Add(a.name == "texml", "", a.ref.Conference, a.ref.Call)
		f.Add(a.name == "texml", "", a.ref.Conference, "../../x?y#z")
	}
	for _, s := range []string{"a/b", "..", ".", "%2F", "agent 7", "ünï", "a\r\nb", "\xff", "v3:", "?", "#", "%"} {
		f.Add(false, "", "CF0123456789abcdef0123456789abcdef", s)
		f.Add(true, "", txConf, s)
	}
	f.Fuzz(func(t *testing.T, texml bool, account, conference, call string) {
		a := hardAdapters[0]
		if texml {
			a = hardAdapters[1]
		}
		ref := participant.Ref{Account: account, Conference: conference, Call: call}
		rec, err := fuzzUpdate(t, a, ref, participant.UpdateRequest{Muted: participant.Bool(true)})
		if rec == nil {
			refusedBeforeSending(t, rec, err)
			return
		}
		if err != nil {
			t.Fatalf("sent, then failed: %v", err)
		}
		got := rec.got.URL
		if got.Scheme != "http" || got.Host != "carrier.invalid:8080" || got.User != nil || got.RawQuery != "" || got.Fragment != "" {
			t.Fatalf("left the endpoint: %s", got)
		}
		wantAccount := account
		if wantAccount == "" {
			wantAccount = map[bool]string{false: twAccount, true: txAccount}[texml]
		}
		prefix := map[bool]string{false: "/root/2010-04-01/Accounts/", true: "/root/v2/texml/Accounts/"}[texml]
		rest, ok := strings.CutPrefix(got.EscapedPath(), prefix)
		segs := strings.Split(rest, "/")
		if !ok || len(segs) != 5 || segs[1] != "Conferences" || segs[3] != "Participants" {
			t.Fatalf("path %q is not one participant resource under %s", got.EscapedPath(), prefix)
		}
		segs[4] = strings.TrimSuffix(segs[4], map[bool]string{false: ".json", true: ""}[texml])
		for i, want := range map[int]string{0: wantAccount, 2: conference, 4: call} {
			dec, err := url.PathUnescape(segs[i])
			if err != nil || dec != want {
				t.Fatalf("segment %q decodes to %q, want %q", segs[i], dec, want)
			}
			if segs[i] == "." || segs[i] == ".." {
				t.Fatalf("dot segment in %q", got.EscapedPath())
			}
		}
	})
}

// FuzzFormEncoding: whatever the values, a sent form decodes to exactly
// the fields set, each with its value; or the request is refused with
// nothing sent.
func FuzzFormEncoding(f *testing.F) {
	f.Add(false, uint16(0xffff), "https://x.example/h.xml", "https://x.example/a.xml", "", "CAfedcba9876543210fedcba9876543210", "GET")
	f.Add(true, uint16(0x0f0f), "https://x.example/h?a=1&b=2#f", "http://x.example/a b", "https://x.example/w", "v3:coach", "POST")
	f.Add(false, uint16(1), "https://x.example/\u00a0", "ftp://x", "https://u:p@x.example/", "CA\r\n", "get")
	f.Fuzz(func(t *testing.T, texml bool, set uint16, hold, announce, wait, coach, method string) {
		a := hardAdapters[0]
		if texml {
			a = hardAdapters[1]
		}
		bit := func(i int) bool { return set&(1<<i) != 0 }
		var req participant.UpdateRequest
		want := url.Values{}
		str := func(i int, name, v string) *string {
			if !bit(i) {
				return nil
			}
			want.Set(name, v)
			return &v
		}
		boolean := func(i int, name string) *bool {
			if !bit(i) {
				return nil
			}
			v := bit(i + 6)
			want.Set(name, map[bool]string{false: "false", true: "true"}[v])
			return &v
		}
		meth := func(i int, name string) participant.Method {
			if !bit(i) || method == "" { // "" is MethodDefault: not set
				return participant.MethodDefault
			}
			want.Set(name, method)
			return participant.Method(method)
		}
		req.Muted, req.Hold = boolean(0, "Muted"), boolean(1, "Hold")
		req.BeepOnExit, req.EndConferenceOnExit, req.Coaching = boolean(2, "BeepOnExit"), boolean(3, "EndConferenceOnExit"), boolean(4, "Coaching")
		req.HoldURL, req.AnnounceURL, req.WaitURL = str(5, "HoldUrl", hold), str(12, "AnnounceUrl", announce), str(13, "WaitUrl", wait)
		req.CallToCoach = str(14, "CallSidToCoach", coach)
		req.HoldMethod, req.AnnounceMethod, req.WaitMethod = meth(15, "HoldMethod"), meth(11, "AnnounceMethod"), meth(10, "WaitMethod")
		rec, err := fuzzUpdate(t, a, a.ref, req)
		if rec == nil {
			refusedBeforeSending(t, rec, err)
			return
		}
		if err != nil {
			t.Fatalf("sent, then failed: %v", err)
		}
		got, perr := url.ParseQuery(string(rec.body))
		if perr != nil {
			t.Fatalf("form %q does not parse: %v", rec.body, perr)
		}
		if got.Encode() != want.Encode() {
			t.Fatalf("form %q decodes to %v, want %v", rec.body, got, want)
		}
	})
}

// FuzzListAnswers feeds a list arbitrary carrier answers (the same status
// and body for every page). Whatever comes back, the list ends, never asks
// another host, yields participants only from a 2xx, each with a call id,
// and otherwise a *participant.Error.
func FuzzListAnswers(f *testing.F) {
	for _, s := range []string{
		`{"participants":[{"call_sid":"CA1","muted":true}],"next_page_uri":null}`,
		`{"participants":[{"call_sid":"CA1"}],"next_page_uri":"/root/2010-04-01/x?Page=1"}`,
		`{"participants":[{"call_sid":"v3:x"}],"next_page_uri":"https://evil.example/steal"}`,
		`{"participants":[],"next_page_uri":"//evil.example/x"}`, `{"participants":null}`, `{}`, `[]`, ``, `<html>`,
		`{"code":20003,"message":"Authenticate"}`, `{"errors":[{"code":"10009","title":"Authentication failed"}]}`,
	} {
		for _, status := range []int{200, 401, 500} {
			f.Add(false, status, []byte(s))
			f.Add(true, status, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, texml bool, status int, body []byte) {
		status = 200 + (status%400+400)%400 // 200..599
		a := hardAdapters[0]
		if texml {
			a = hardAdapters[1]
		}
		// A list that keeps linking ends at httpdriver.MaxPages (tested in
		// adapter_test); here the context ends it sooner, to keep each
		// input fast.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var requests int
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if requests++; requests > 200 {
				cancel()
			}
			if r.URL.Host != "carrier.invalid:8080" {
				t.Fatalf("list asked another host: %s", r.URL)
			}
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(string(body))), ContentLength: int64(len(body)), Request: r}, nil
		})
		u, err := a.open(fuzzBase, driver.Options{HTTPClient: &http.Client{Transport: rt},
			Retry: &driver.RetryPolicy{MaxRetries: 0}})
		if err != nil {
			t.Fatal(err)
		}
		lister, ok := u.(driver.Lister)
		if !ok {
			t.Fatalf("%s does not list", a.name)
		}
		for p, err := range lister.List(ctx, participant.ConferenceRef{Conference: a.ref.Conference}, participant.ListOptions{}) {
			if requests > 201 {
				t.Fatalf("the list goes on after its context ended: %d requests", requests)
			}
			if err != nil {
				var pe *participant.Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %v (%T) is not a *participant.Error", err, err)
				}
				continue
			}
			if status > 299 || p == nil || p.CallID == "" || p.Provider != a.name {
				t.Fatalf("status %d: yielded %+v", status, p)
			}
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
