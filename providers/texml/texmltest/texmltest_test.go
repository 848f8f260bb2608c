package texmltest_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/internal/vendorfake/faketest"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
)

const key = "KEY0123"

func header(v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", v) }
}

func vendor(t *testing.T) *faketest.Vendor {
	return &faketest.Vendor{
		New:       func() *texmltest.Server { return texmltest.New(texmltest.Config{APIKey: key}) },
		Prefix:    texmltest.PathPrefix,
		Authorize: header("Bearer " + key),
		BadAuth: map[string]func(*http.Request){
			"missing":      func(*http.Request) {},
			"wrong key":    header("Bearer nope"),
			"empty token":  header("Bearer "),
			"basic scheme": func(r *http.Request) { r.SetBasicAuth(key, key) },
			"no scheme":    header(key),
		},
		Challenge: "Bearer",
		PageSizes: [2]int{20, 1000},
		RateLimit: func(t *testing.T, r faketest.Reply) {
			assert.Equal(t, "2", r.Header.Get("x-ratelimit-limit"))
			assert.Equal(t, "0", r.Header.Get("x-ratelimit-remaining"))
			assert.NotEmpty(t, r.Header.Get("x-ratelimit-reset"))
		},
		Participant: func() texmltest.Participant {
			return texmltest.Participant{Account: texmltest.NewAccountID(), Conference: texmltest.NewConferenceID(), CallID: texmltest.NewCallID()}
		},
		Coachee: texmltest.NewCallID,
		Codes: map[vendorfake.Kind]string{
			vendorfake.Unauthorized: "10009", vendorfake.NotFound: "10005", vendorfake.MethodNotAllowed: "405",
			vendorfake.UnsupportedMediaType: "415", vendorfake.BadForm: "10015", vendorfake.InvalidBool: "10026",
			vendorfake.InvalidMethod: "10032", vendorfake.InvalidURL: "10015", vendorfake.InvalidCallID: "10015",
			vendorfake.MissingCallID: "10004",
		},
		Invalid:    422,
		FaultCodes: map[int]string{429: "10011", 503: "10007"},
		Code: func(t *testing.T, b []byte) string {
			var e struct {
				Errors []struct {
					Code string `json:"code"`
				} `json:"errors"`
			}
			require.NoError(t, json.Unmarshal(b, &e), "body %s", b)
			require.Len(t, e.Errors, 1, "body %s", b)
			return e.Errors[0].Code
		},
		Spec: spectest.Open(t, texml.SpecFile, texml.SpecRoot),
	}
}

func TestSuite(t *testing.T) { faketest.Run(t, vendor(t)) }

func TestAnyAccount(t *testing.T) {
	v := vendor(t)
	f := v.Start(t)
	for range 2 {
		p := f.Seed(nil) // each with its own account
		assert.Equal(t, http.StatusOK, f.Get(v.Path(p, p.CallID)).Status)
	}
	q := f.Seed(nil)
	assert.Equal(t, http.StatusOK, f.Do(http.MethodGet, v.Path(q, q.CallID), "", "", header("bearer "+key)).Status, "scheme is case-insensitive")
}

func TestErrorBodies(t *testing.T) {
	v := vendor(t)
	f, p, path := v.Begin(t, nil)
	faketest.ExpectBody(t, "401", f.Do(http.MethodGet, path, "", "", header("Bearer x")), 401,
		`{"errors":[{"code":"10009","title":"Authentication failed","detail":"The required authentication headers were either invalid or not included in the request.","meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10009"}}]}`)
	faketest.ExpectBody(t, "404", f.Get(v.Path(p, "v3:nobody")), 404,
		`{"errors":[{"code":"10005","title":"Resource not found","detail":"The requested resource or URL could not be found.","meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10005"}}]}`)
	faketest.ExpectBody(t, "405", f.Do(http.MethodPut, path, "", ""), 405,
		`{"errors":[{"code":"405","title":"Method Not Allowed","detail":"Method Not Allowed"}]}`)
	faketest.ExpectBody(t, "415", f.Do(http.MethodPost, path, "application/json", `{}`), 415,
		`{"errors":[{"code":"415","title":"Unsupported Media Type","detail":"Unsupported Media Type"}]}`)
	faketest.ExpectBody(t, "empty body", f.Post(path, ""), 422,
		`{"errors":[{"code":"10004","title":"Missing required parameter","detail":"The request body is required.","source":{"pointer":"/"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10004"}}]}`)
	faketest.ExpectBody(t, "method", f.Post(path, "HoldMethod=get"), 422,
		`{"errors":[{"code":"10032","title":"Invalid enumerated value","detail":"HoldMethod must be one of GET, POST","source":{"pointer":"/HoldMethod"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10032"}}]}`)
	faketest.ExpectBody(t, "bool", f.Post(path, "Muted=yes"), 422,
		`{"errors":[{"code":"10026","title":"Invalid parameter type","detail":"The 'Muted' parameter must be of type 'boolean'","source":{"pointer":"/Muted"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10026"}}]}`)
	faketest.ExpectBody(t, "coaching", f.Post(path, "Coaching=true"), 422,
		`{"errors":[{"code":"10004","title":"Missing required parameter","detail":"Can't be blank: CallSidToCoach","source":{"pointer":"/CallSidToCoach"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10004"}}]}`)
	f.Srv.Fail(texmltest.Fault{Status: 400, Code: "90019", Message: "Conference has already ended"})
	faketest.ExpectBody(t, "fault", f.Get(path), 400,
		`{"errors":[{"code":"90019","title":"Conference has already ended","detail":"Conference has already ended","meta":{"url":"https://developers.telnyx.com/docs/overview/errors/90019"}}]}`)
}

func TestResource(t *testing.T) {
	v := vendor(t)
	f := v.Start(t)
	when := time.Date(2023, 10, 27, 7, 41, 58, 0, time.UTC)
	p := f.Seed(func(p *texmltest.Participant) {
		p.Label, p.Muted, p.Status, p.Created, p.Updated = "agent", true, "completed", when, when
	})
	r := f.Get(v.Path(p, "agent"))
	require.Equal(t, http.StatusOK, r.Status)
	want := map[string]any{
		"account_sid": p.Account, "api_version": "v2/texml", "call_sid": p.CallID, "call_sid_legacy": p.CallID,
		"coaching": false, "conference_sid": p.Conference,
		"date_created": "Fri, 27 Oct 2023 07:41:58 +0000", "date_updated": "Fri, 27 Oct 2023 07:41:58 +0000",
		"end_conference_on_exit": false, "hold": false, "muted": true, "status": "completed",
		"uri": "/v2/texml/Accounts/" + p.Account + "/Conferences/" + p.Conference + "/Participants/" + p.CallID + ".json",
	}
	assert.Equal(t, want, faketest.JSON(t, r.Body))

	coachee := texmltest.NewCallID()
	r = f.Post(v.Path(p, p.CallID), "Coaching=true&CallSidToCoach="+coachee)
	require.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
	m := faketest.JSON(t, r.Body)
	assert.Equal(t, coachee, m["coaching_call_sid"])
	assert.Equal(t, coachee, m["coaching_call_sid_legacy"])
}

func TestTelnyxRules(t *testing.T) {
	v := vendor(t)
	f, p, path := v.Begin(t, nil)

	r := f.Post(path, "WaitMethod=bogus&Hold=true")
	require.Equal(t, http.StatusOK, r.Status, "WaitMethod is not a Telnyx field: %s", r.Body)
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.Empty(t, got.WaitMethod)
	assert.True(t, got.Hold)
	assert.Equal(t, "bogus", f.Srv.Requests()[0].Form.Get("WaitMethod"), "but it is recorded")

	assert.Equal(t, 200, f.Post(path, "WaitUrl=").Status, "an empty WaitUrl turns wait music off")
	assert.Equal(t, http.StatusOK, f.Post(path, "CallSidToCoach=anything").Status, "no CallSidToCoach pattern")
	assert.Equal(t, http.StatusOK, f.Get(path+".json").Status, "the resource uri routes too")
	assert.Equal(t, 422, f.Do(http.MethodPost, path, "", "").Status, "body required even without content type")
}

func TestJSONSuffixLabel(t *testing.T) {
	v := vendor(t)
	f := v.Start(t)
	p := f.Seed(func(p *texmltest.Participant) { p.Label = "x.json" })
	q := f.Seed(func(q *texmltest.Participant) { q.Account, q.Conference, q.Label = p.Account, p.Conference, "x" })
	assert.Equal(t, p.CallID, faketest.JSON(t, f.Get(v.Path(p, "x.json")).Body)["call_sid"], "literal label first")
	assert.Equal(t, q.CallID, faketest.JSON(t, f.Get(v.Path(p, "x")).Body)["call_sid"])
}

func TestIDs(t *testing.T) {
	for re, gen := range map[string]func() string{
		`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`: texmltest.NewAccountID,
		`^v3:[A-Za-z0-9_-]{54}$`: texmltest.NewCallID,
	} {
		a, b := gen(), gen()
		assert.Regexp(t, regexp.MustCompile(re), a)
		assert.NotEqual(t, a, b)
	}
	assert.Regexp(t, `^[0-9a-f-]{36}$`, texmltest.NewConferenceID())
}
