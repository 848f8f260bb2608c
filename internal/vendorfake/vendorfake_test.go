package vendorfake

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testDialect(suffix string, optional bool) *Dialect {
	return &Dialect{
		PathPrefix: "/api", PathSuffix: suffix, SuffixOptional: optional,
		Fields:       []string{FieldMuted},
		ValidCallID:  func(s string) bool { return s != "" },
		NewCallID:    func() string { return HexID("CA") },
		Authenticate: func(*http.Request) (string, bool) { return "", true },
		Describe:     func(Problem) Error { return Error{} },
		StatusCodes:  map[int]string{429: "X429"},
		ErrorBody:    func(e Error) any { return e },
		Resource:     func(p Participant) any { return p },
	}
}

func TestRoute(t *testing.T) {
	cases := []struct {
		name, path string
		suffix     string
		optional   bool
		calls      []string // nil: no route
	}{
		{"plain", "/api/Accounts/A/Conferences/C/Participants/P", "", false, []string{"P"}},
		{"suffix", "/api/Accounts/A/Conferences/C/Participants/P.json", ".json", false, []string{"P"}},
		{"suffix required", "/api/Accounts/A/Conferences/C/Participants/P", ".json", false, nil},
		{"suffix optional", "/api/Accounts/A/Conferences/C/Participants/P.json", ".json", true, []string{"P.json", "P"}},
		{"optional absent", "/api/Accounts/A/Conferences/C/Participants/P", ".json", true, []string{"P"}},
		{"escaped", "/api/Accounts/A/Conferences/C/Participants/a%2Fb%3F%23%25%20..", "", false, []string{"a/b?#% .."}},
		{"bad escape", "/api/Accounts/A/Conferences/C/Participants/%zz", "", false, nil},
		{"bad account escape", "/api/Accounts/%zz/Conferences/C/Participants/P", "", false, nil},
		{"empty call", "/api/Accounts/A/Conferences/C/Participants/", "", false, nil},
		{"empty account", "/api/Accounts//Conferences/C/Participants/P", "", false, nil},
		{"too long", "/api/Accounts/A/Conferences/C/Participants/P/x", "", false, nil},
		{"wrong word", "/api/Accounts/A/Conference/C/Participants/P", "", false, nil},
		{"wrong prefix", "/apix/Accounts/A/Conferences/C/Participants/P", "", false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewServer(testDialect(c.suffix, c.optional))
			rt, ok := s.route(c.path)
			if c.calls == nil {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			assert.Equal(t, route{account: "A", conference: "C", calls: c.calls}, rt)
		})
	}
}

func TestSeed(t *testing.T) {
	s := NewServer(testDialect("", false))
	before := time.Now().UTC().Truncate(time.Second)
	s.Seed(Participant{Account: "A", Conference: "C", Label: "l"})
	p, ok := s.Participant("A", "C", "l")
	require.True(t, ok)
	assert.Regexp(t, `^CA[0-9a-f]{32}$`, p.CallID)
	assert.Equal(t, "connected", p.Status)
	assert.Equal(t, time.UTC, p.Created.Location())
	assert.False(t, p.Created.Before(before))
	assert.Equal(t, p.Created, p.Updated)
	assert.Zero(t, p.Created.Nanosecond())

	p.Muted, p.Label = true, "m"
	s.Seed(p)
	q, ok := s.Participant("A", "C", p.CallID)
	require.True(t, ok)
	assert.Equal(t, p, q, "same call id replaces")
	_, ok = s.Participant("A", "C", "l")
	assert.False(t, ok)
	_, ok = s.Participant("A", "other", p.CallID)
	assert.False(t, ok)

	// A call id beats another participant's label.
	s.Seed(Participant{Account: "A", Conference: "C", CallID: "X", Label: p.CallID})
	q, _ = s.Participant("A", "C", p.CallID)
	assert.Equal(t, p.CallID, q.CallID)
}

func TestFaultQueue(t *testing.T) {
	s := NewServer(testDialect("", false))
	_, ok := s.nextFault(0)
	assert.False(t, ok)
	s.Fail(Fault{Status: 500})
	s.Fail(Fault{Status: 501, Times: -1})
	var got []int
	for range 4 {
		f, ok := s.nextFault(0)
		require.True(t, ok)
		got = append(got, f.Status)
	}
	assert.Equal(t, []int{500, 501, 501, 501}, got)
	s.ClearFaults()
	_, ok = s.nextFault(0)
	assert.False(t, ok)
}

// TestFailRefusesWhatItCannotApply: a fault Validate refuses, and
// Refuse (a fake has accepted the connection), panic with the reason
// instead of queueing a fault that would do something else.
func TestFailRefusesWhatItCannotApply(t *testing.T) {
	s := NewServer(testDialect("", false))
	for f, msg := range map[Fault]string{
		{}:                       "fault does nothing",
		{Status: 99}:             "status 99",
		{Drop: true, Hang: true}: "drop and hang",
		{Refuse: true}:           "cannot refuse connections",
	} {
		func() {
			defer func() {
				r := recover()
				require.NotNil(t, r, "%+v", f)
				assert.Contains(t, r, msg, "%+v", f)
			}()
			s.Fail(f)
		}()
	}
	_, ok := s.nextFault(0)
	assert.False(t, ok, "nothing was queued")
}

func TestDescribeFallback(t *testing.T) {
	d := testDialect("", false)
	assert.Equal(t, Error{Status: 429, Code: "X429", Title: "Too Many Requests"}, d.describe(Problem{Kind: Injected, Status: 429}))
	assert.Equal(t, Error{Status: 418, Code: "418", Title: "I'm a teapot"}, d.describe(Problem{Kind: Injected, Status: 418}))
	assert.Equal(t, Error{Status: 405, Code: "405", Title: "Method Not Allowed"}, d.describe(Problem{Kind: MethodNotAllowed}))
	assert.Equal(t, Error{Status: 404, Code: "404", Title: "Not Found"}, d.describe(Problem{Kind: Injected, Status: 404}))
}

func TestUpdate(t *testing.T) {
	d := testDialect("", false)
	d.Fields = []string{FieldMuted, FieldWaitURL, FieldCoaching, FieldCallSidToCoach}
	p, prob := d.update(Participant{}, map[string][]string{"Muted": {"true", "false"}, "WaitUrl": {"HTTPS://Example.com"}})
	require.Nil(t, prob)
	assert.True(t, p.Muted, "first value wins")
	assert.Equal(t, "HTTPS://Example.com", p.WaitURL)

	_, prob = d.update(Participant{}, map[string][]string{"WaitUrl": {""}})
	require.NotNil(t, prob)
	assert.Equal(t, Problem{Kind: InvalidURL, Field: FieldWaitURL}, *prob)
	d.AllowEmptyWaitURL = true
	_, prob = d.update(Participant{WaitURL: "x"}, map[string][]string{"WaitUrl": {""}})
	assert.Nil(t, prob)

	p, prob = d.update(Participant{Coaching: true}, map[string][]string{"Muted": {"true"}})
	assert.Nil(t, prob, "stored coaching without target is left alone")
	assert.True(t, p.Coaching)
}

func TestIDs(t *testing.T) {
	assert.Regexp(t, `^SK[0-9a-f]{32}$`, HexID("SK"))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, UUID())
	assert.Regexp(t, `^p[A-Za-z0-9_-]{4}$`, Token("p", 3))
	assert.Equal(t, "Fri, 18 Feb 2011 21:07:19 +0000",
		FormatDate(time.Date(2011, 2, 18, 22, 7, 19, 0, time.FixedZone("CET", 3600))))
	assert.Equal(t, "/p/Accounts/a%2Fb/Conferences/c/Participants/v3:x.json",
		ResourceURI("/p", Participant{Account: "a/b", Conference: "c", CallID: "v3:x"}, ".json"))
}

func TestRequestLogCap(t *testing.T) {
	s := NewServer(testDialect("", false))
	s.SetMaxRequests(3)
	for i := range 5 {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/x?i="+strconv.Itoa(i), nil))
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.RawQuery)
	}
	assert.Equal(t, []string{"i=2", "i=3", "i=4"}, got, "the newest, oldest first")

	s = NewServer(testDialect("", false)) // no SetMaxRequests: the default cap
	for i := range DefaultMaxRequests + 2 {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/x?i="+strconv.Itoa(i), nil))
	}
	reqs := s.Requests()
	require.Len(t, reqs, DefaultMaxRequests)
	assert.Equal(t, "i=2", reqs[0].RawQuery)
	assert.Equal(t, "i="+strconv.Itoa(DefaultMaxRequests+1), reqs[len(reqs)-1].RawQuery)

	s.SetMaxRequests(-1)
	s.ResetRequests()
	for range 3 {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/x", nil))
	}
	assert.Len(t, s.Requests(), 3, "negative: no cap")
}

func TestBodyTooLarge(t *testing.T) {
	s := NewServer(testDialect("", false))
	s.Seed(Participant{Account: "A", Conference: "C", CallID: "P"})
	post := func(body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/api/Accounts/A/Conferences/C/Participants/P", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s.ServeHTTP(w, r)
		return w
	}
	// Muted=true first, then padding past the limit: nothing is applied.
	big := "Muted=true&Pad=" + strings.Repeat("x", MaxBody)
	w := post(big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"Status":413,"Code":"413","Title":"Request Entity Too Large","Detail":"","Pointer":""}`, w.Body.String())
	p, _ := s.Participant("A", "C", "P")
	assert.False(t, p.Muted, "a truncated form is not applied")
	rec := s.Requests()[0]
	assert.True(t, rec.Truncated)
	assert.Len(t, rec.Body, MaxBody)
	assert.Nil(t, rec.Form)

	// Exactly MaxBody bytes is whole.
	whole := "Muted=true&Pad="
	whole += strings.Repeat("x", MaxBody-len(whole))
	w = post(whole)
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	p, _ = s.Participant("A", "C", "P")
	assert.True(t, p.Muted)
	assert.False(t, s.Requests()[1].Truncated)
}
