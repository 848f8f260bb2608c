package twiliotest_test

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
	"github.com/carrierkit/carrierkit/providers/twilio"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

var (
	account = twiliotest.NewAccountSID()
	cfg     = twiliotest.Config{
		AccountSID: account,
		AuthToken:  "token",
		APIKeys:    map[string]string{"SK0123456789abcdef0123456789abcdef": "key-secret"},
	}
)

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func header(v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", v) }
}

func vendor(t *testing.T) *faketest.Vendor {
	return &faketest.Vendor{
		New:         func() *twiliotest.Server { return twiliotest.New(cfg) },
		Prefix:      twiliotest.PathPrefix,
		Suffix:      ".json",
		ListSuffix:  ".json",
		ListFilters: true,
		PageSizes:   [2]int{50, 1000},
		Authorize:   basic(account, "token"),
		BadAuth: map[string]func(*http.Request){
			"missing":          func(*http.Request) {},
			"wrong token":      basic(account, "nope"),
			"empty token":      basic(account, ""),
			"unknown account":  basic(twiliotest.NewAccountSID(), "token"),
			"wrong key secret": basic("SK0123456789abcdef0123456789abcdef", "token"),
			"unknown key":      basic("SKffffffffffffffffffffffffffffffff", "key-secret"),
			"bearer scheme":    header("Bearer token"),
			"garbage":          header("Basic !!!"),
		},
		Challenge: `Basic realm="Twilio API"`,
		Participant: func() twiliotest.Participant {
			return twiliotest.Participant{Account: account, Conference: twiliotest.NewConferenceSID(), CallID: twiliotest.NewCallSID()}
		},
		Coachee: twiliotest.NewCallSID,
		Codes: map[vendorfake.Kind]string{
			vendorfake.Unauthorized: "20003", vendorfake.NotFound: "20404", vendorfake.MethodNotAllowed: "20004",
			vendorfake.UnsupportedMediaType: "415", vendorfake.BadForm: "400", vendorfake.InvalidBool: "400",
			vendorfake.InvalidMethod: "21209", vendorfake.InvalidURL: "21205", vendorfake.InvalidCallID: "400",
			vendorfake.MissingCallID: "400",
		},
		Invalid:    400,
		FaultCodes: map[int]string{429: "20429", 503: "20503"},
		Code: func(t *testing.T, b []byte) string {
			var e struct {
				Code json.Number `json:"code"`
			}
			require.NoError(t, json.Unmarshal(b, &e), "body %s", b)
			return e.Code.String()
		},
		Spec: spectest.Open(t, twilio.SpecFile, twilio.SpecRoot),
	}
}

func TestSuite(t *testing.T) { faketest.Run(t, vendor(t)) }

func TestAPIKeyAuth(t *testing.T) {
	v := vendor(t)
	f, _, path := v.Begin(t, nil)
	r := f.Do(http.MethodPost, path, "application/x-www-form-urlencoded", "Muted=true", basic("SK0123456789abcdef0123456789abcdef", "key-secret"))
	assert.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
}

func TestForbiddenAccount(t *testing.T) {
	v := vendor(t)
	f := v.Start(t)
	other := twiliotest.Participant{Account: twiliotest.NewAccountSID(), Conference: twiliotest.NewConferenceSID(), CallID: twiliotest.NewCallSID()}
	f.Srv.Seed(other)
	for _, auth := range []func(*http.Request){basic(account, "token"), basic("SK0123456789abcdef0123456789abcdef", "key-secret")} {
		r := f.Do(http.MethodGet, v.Path(other, other.CallID), "", "", auth)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.JSONEq(t, `{"code":20003,"message":"Permission Denied","more_info":"https://www.twilio.com/docs/errors/20003","status":403}`, string(r.Body))
	}
}

func TestErrorBodies(t *testing.T) {
	v := vendor(t)
	f, p, path := v.Begin(t, nil)
	missing := v.Path(p, "CAffffffffffffffffffffffffffffffff")
	faketest.ExpectBody(t, "401", f.Do(http.MethodGet, path, "", "", basic(account, "x")), 401,
		`{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
	faketest.ExpectBody(t, "404", f.Get(missing), 404,
		`{"code":20404,"message":"The requested resource `+missing+` was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}`)
	faketest.ExpectBody(t, "405", f.Do(http.MethodPut, path, "", ""), 405,
		`{"code":20004,"message":"Method Not Allowed","more_info":"https://www.twilio.com/docs/errors/20004","status":405}`)
	faketest.ExpectBody(t, "415", f.Do(http.MethodPost, path, "application/json", `{}`), 415,
		`{"code":415,"message":"Unsupported Media Type","more_info":"https://www.twilio.com/docs/errors/415","status":415}`)
	faketest.ExpectBody(t, "method", f.Post(path, "HoldMethod=get"), 400,
		`{"code":21209,"message":"HoldMethod must be GET or POST, got \"get\"","more_info":"https://www.twilio.com/docs/errors/21209","status":400}`)
	faketest.ExpectBody(t, "url", f.Post(path, "WaitUrl=nope"), 400,
		`{"code":21205,"message":"WaitUrl is not a valid URL: \"nope\"","more_info":"https://www.twilio.com/docs/errors/21205","status":400}`)
	faketest.ExpectBody(t, "coachee", f.Post(path, "CallSidToCoach=v3:abc"), 400,
		`{"code":400,"message":"CallSidToCoach is not a valid Call SID: \"v3:abc\"","more_info":"https://www.twilio.com/docs/errors/400","status":400}`)
	f.Srv.Fail(twiliotest.Fault{Status: 429, Code: "20429", Message: "Too Many Requests"})
	faketest.ExpectBody(t, "fault", f.Get(path), 429,
		`{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`)
}

func TestResource(t *testing.T) {
	v := vendor(t)
	f := v.Start(t)
	when := time.Date(2011, 2, 18, 21, 7, 19, 0, time.UTC)
	p := f.Seed(func(p *twiliotest.Participant) {
		p.Label, p.Hold, p.StartConferenceOnEnter, p.Status, p.Created, p.Updated = "customer", true, true, "complete", when, when
	})
	r := f.Get(v.Path(p, "customer"))
	require.Equal(t, http.StatusOK, r.Status)
	want := map[string]any{
		"account_sid": p.Account, "call_sid": p.CallID, "label": "customer", "conference_sid": p.Conference,
		"date_created": "Fri, 18 Feb 2011 21:07:19 +0000", "date_updated": "Fri, 18 Feb 2011 21:07:19 +0000",
		"end_conference_on_exit": false, "muted": false, "hold": true, "status": "complete",
		"start_conference_on_enter": true, "coaching": false, "call_sid_to_coach": nil, "queue_time": nil,
		"uri": "/2010-04-01/Accounts/" + p.Account + "/Conferences/" + p.Conference + "/Participants/" + p.CallID + ".json",
	}
	assert.Equal(t, want, faketest.JSON(t, r.Body))

	q := f.Seed(nil)
	coachee := twiliotest.NewCallSID()
	r = f.Post(v.Path(q, q.CallID), "Coaching=true&CallSidToCoach="+coachee)
	require.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
	m := faketest.JSON(t, r.Body)
	assert.Nil(t, m["label"])
	assert.Equal(t, coachee, m["call_sid_to_coach"])
}

func TestTwilioRules(t *testing.T) {
	v := vendor(t)
	f := v.Start(t)
	p := f.Seed(func(p *twiliotest.Participant) { p.WaitURL = "https://example.com/music" })
	path := v.Path(p, p.CallID)

	r := f.Post(path, "WaitUrl=&WaitMethod=GET")
	require.Equal(t, http.StatusOK, r.Status, "empty WaitUrl disables wait music: %s", r.Body)
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.Empty(t, got.WaitURL)
	assert.Equal(t, "GET", got.WaitMethod)

	assert.Equal(t, http.StatusOK, f.Post(path, "").Status, "empty body is a no-op update")
	assert.Equal(t, http.StatusOK, f.Do(http.MethodPost, path, "", "").Status, "no body, no content type")
	assert.Equal(t, 400, f.Post(path, "WaitMethod=post").Status)
	assert.Equal(t, 400, f.Post(path, "CallSidToCoach=CA123").Status)
	assert.Equal(t, 404, f.Get(path[:len(path)-len(".json")]).Status, "the .json suffix is required")
}

func TestIDs(t *testing.T) {
	for re, gen := range map[string]func() string{
		`^AC[0-9a-f]{32}$`: twiliotest.NewAccountSID,
		`^CF[0-9a-f]{32}$`: twiliotest.NewConferenceSID,
		`^CA[0-9a-f]{32}$`: twiliotest.NewCallSID,
	} {
		a, b := gen(), gen()
		assert.Regexp(t, regexp.MustCompile(re), a)
		assert.NotEqual(t, a, b)
	}
}
