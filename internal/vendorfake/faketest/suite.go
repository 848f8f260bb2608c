// Package faketest is the behaviour suite shared by the vendor fakes' tests:
// Run checks one dialect, and every answer to a path the vendor's OpenAPI
// spec knows is validated against it (internal/spectest). Only tests import
// it.
package faketest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/internal/memnet"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Vendor describes one dialect to the shared suite.
type Vendor struct {
	New         func() *fake.Server                 // a fake with known credentials
	Prefix      string                              // path prefix, e.g. "/2010-04-01"
	Suffix      string                              // participant segment suffix, "" or ".json"
	ListSuffix  string                              // list segment suffix: "Participants" + ListSuffix
	ListFilters bool                                // the list filters on Muted, Hold and Coaching
	PageSizes   [2]int                              // the list's default and maximum PageSize
	RateLimit   func(t *testing.T, r Reply)         // checks a Load 429's vendor headers
	Authorize   func(*http.Request)                 // adds valid credentials
	BadAuth     map[string]func(*http.Request)      // named bad credentials
	Challenge   string                              // expected WWW-Authenticate on 401
	Participant func() vendorfake.Participant       // fresh vendor-shaped ids
	Coachee     func() string                       // a valid CallSidToCoach
	Codes       map[vendorfake.Kind]string          // expected error code per kind
	Invalid     int                                 // status of validation errors (bad form encoding is 400)
	FaultCodes  map[int]string                      // expected default code of an injected status
	Code        func(t *testing.T, b []byte) string // the error code in a vendor body
	Spec        *spectest.Validator                 // nil: no spec checks
}

// Fake is a running fake plus a client that checks every answer to a
// participant path against the spec.
type Fake struct {
	t   *testing.T
	v   *Vendor
	Srv *fake.Server
	HTS *httptest.Server
	// Unchecked turns the spec check off (for deliberately broken answers).
	Unchecked bool
	client    *http.Client // HTS's client, or the in-memory network's
}

// Reply is one answer.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Start runs v's fake on an httptest server closed with t.
func (v *Vendor) Start(t *testing.T) *Fake {
	srv := v.New()
	hts := httptest.NewServer(srv)
	t.Cleanup(hts.Close)
	return &Fake{t: t, v: v, Srv: srv, HTS: hts, client: hts.Client()}
}

// StartInMemory runs v's fake on an in-memory network (memnet), for cases
// under testing/synctest, where a loopback socket would keep the fake
// clock from advancing. HTS.URL is its address there; use Client.
func (v *Vendor) StartInMemory(t *testing.T) *Fake {
	var mn memnet.Network
	srv := v.New()
	f := &Fake{t: t, v: v, Srv: srv, HTS: mn.Server(t, "fake.test:80", srv), client: mn.Client()}
	t.Cleanup(f.client.CloseIdleConnections)
	return f
}

// Client is the HTTP client that reaches the fake.
func (f *Fake) Client() *http.Client { return f.client }

// Begin starts a fake, seeds one participant and returns its path by call id.
func (v *Vendor) Begin(t *testing.T, edit func(*vendorfake.Participant)) (*Fake, vendorfake.Participant, string) {
	f := v.Start(t)
	p := f.Seed(edit)
	return f, p, v.Path(p, p.CallID)
}

// ExpectBody checks, as subtest name, that r has status and the JSON body.
func ExpectBody(t *testing.T, name string, r Reply, status int, body string) {
	t.Run(name, func(t *testing.T) {
		assert.Equal(t, status, r.Status)
		assert.JSONEq(t, body, string(r.Body))
	})
}

// Path is the escaped participant path for callOrLabel.
func (v *Vendor) Path(p vendorfake.Participant, callOrLabel string) string {
	return v.Prefix + "/Accounts/" + url.PathEscape(p.Account) + "/Conferences/" + url.PathEscape(p.Conference) +
		"/Participants/" + url.PathEscape(callOrLabel) + v.Suffix
}

// ListPath is the escaped path of p's conference's participant list.
func (v *Vendor) ListPath(p vendorfake.Participant) string {
	return v.Prefix + "/Accounts/" + url.PathEscape(p.Account) + "/Conferences/" + url.PathEscape(p.Conference) +
		"/Participants" + v.ListSuffix
}

// Seed seeds a fresh participant changed by edit and returns it as stored.
func (f *Fake) Seed(edit func(*vendorfake.Participant)) vendorfake.Participant {
	p := f.v.Participant()
	if edit != nil {
		edit(&p)
	}
	f.Srv.Seed(p)
	got, ok := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	require.True(f.t, ok)
	return got
}

// Do sends a request with valid credentials unless auth is given.
func (f *Fake) Do(method, path, contentType, body string, auth ...func(*http.Request)) Reply {
	f.t.Helper()
	req, err := http.NewRequest(method, f.HTS.URL+path, strings.NewReader(body))
	if !assert.NoError(f.t, err) {
		return Reply{}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth == nil {
		auth = append(auth, f.v.Authorize)
	}
	for _, a := range auth {
		a(req)
	}
	resp, err := f.client.Do(req)
	if !assert.NoError(f.t, err) {
		return Reply{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	assert.NoError(f.t, err)
	if f.v.Spec != nil && !f.Unchecked {
		err := f.v.Spec.ValidateResponse(record(req), resp.StatusCode, resp.Header, b)
		if err != nil && !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			f.t.Errorf("%s %s -> %d does not match the spec: %v\nbody: %s", method, path, resp.StatusCode, err, b)
		}
	}
	return Reply{resp.StatusCode, resp.Header, b}
}

func record(r *http.Request) vendorfake.Request {
	return vendorfake.Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header}
}

// Get fetches path.
func (f *Fake) Get(path string) Reply { return f.Do(http.MethodGet, path, "", "") }

// Post sends form to path.
func (f *Fake) Post(path, form string) Reply {
	return f.Do(http.MethodPost, path, "application/x-www-form-urlencoded", form)
}

// JSON decodes a reply body into a map.
func JSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "body %s", b)
	return m
}

// Run runs the behaviour suite shared by every dialect.
func Run(t *testing.T, v *Vendor) {
	if v.Spec != nil {
		before := v.Spec.Validated.Load()
		t.Cleanup(func() { t.Logf("contract: %d responses validated against the spec", v.Spec.Validated.Load()-before) })
	}
	t.Run("Auth", func(t *testing.T) { testAuth(t, v) })
	t.Run("GetByCallAndLabel", func(t *testing.T) { testGet(t, v) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, v) })
	t.Run("FalseBooleans", func(t *testing.T) { testFalse(t, v) })
	t.Run("Labels", func(t *testing.T) { testLabels(t, v) })
	t.Run("Validation", func(t *testing.T) { testValidation(t, v) })
	t.Run("Coaching", func(t *testing.T) { testCoaching(t, v) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, v) })
	t.Run("MethodAndMedia", func(t *testing.T) { testMethodAndMedia(t, v) })
	t.Run("BodyTooLarge", func(t *testing.T) { testBodyTooLarge(t, v) })
	t.Run("Recording", func(t *testing.T) { testRecording(t, v) })
	t.Run("Faults", func(t *testing.T) { testFaults(t, v) })
	t.Run("FaultQueue", func(t *testing.T) { testFaultQueue(t, v) })
	t.Run("Delay", func(t *testing.T) { testDelay(t, v) })
	t.Run("Drop", func(t *testing.T) { testDrop(t, v) })
	t.Run("Truncate", func(t *testing.T) { testTruncate(t, v) })
	t.Run("Trickle", func(t *testing.T) { testTrickle(t, v) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, v) })
	t.Run("SpecRoutes", func(t *testing.T) { testSpecRoutes(t, v) })
	t.Run("List", func(t *testing.T) { testList(t, v) })
	t.Run("ListFilters", func(t *testing.T) { testListFilters(t, v) })
	t.Run("ListErrors", func(t *testing.T) { testListErrors(t, v) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, v) })
	t.Run("Load", func(t *testing.T) { testLoad(t, v) })
}

// listPage is the paging envelope both vendors share.
type listPage struct {
	Participants []map[string]any `json:"participants"`
	Page         int              `json:"page"`
	PageSize     int              `json:"page_size"`
	Start        int              `json:"start"`
	End          int              `json:"end"`
	URI          string           `json:"uri"`
	FirstPageURI string           `json:"first_page_uri"`
	NextPageURI  *string          `json:"next_page_uri"`
}

func (f *Fake) page(path string) listPage {
	f.t.Helper()
	r := f.Get(path)
	require.Equal(f.t, http.StatusOK, r.Status, "GET %s: %s", path, r.Body)
	var pg listPage
	require.NoError(f.t, json.Unmarshal(r.Body, &pg), "body %s", r.Body)
	if f.v.Spec != nil {
		assert.NoError(f.t, f.v.Spec.ValidateResponse(vendorfake.Request{Method: http.MethodGet, Path: strings.Split(path, "?")[0]},
			r.Status, r.Header, r.Body), "the list page is checked against the spec")
	}
	return pg
}

// seedConference seeds n participants in one fresh conference, in order.
func (f *Fake) seedConference(n int) []vendorfake.Participant {
	first := f.v.Participant()
	ps := make([]vendorfake.Participant, n)
	for i := range ps {
		ps[i] = f.Seed(func(p *vendorfake.Participant) {
			p.Account, p.Conference, p.Label = first.Account, first.Conference, "p"+strconv.Itoa(i)
		})
	}
	return ps
}

// testList pages through a conference by next_page_uri, as the SDKs do.
func testList(t *testing.T, v *Vendor) {
	f := v.Start(t)
	ps := f.seedConference(7)
	f.seedConference(2) // another conference: not listed
	var got []string
	path, pages := v.ListPath(ps[0])+"?PageSize=3", 0
	for path != "" {
		pg := f.page(path)
		pages++
		assert.Equal(t, 3, pg.PageSize)
		assert.Equal(t, pages-1, pg.Page)
		assert.Equal(t, (pages-1)*3, pg.Start)
		assert.Equal(t, pg.Start+len(pg.Participants)-1, pg.End)
		assert.True(t, strings.HasPrefix(pg.URI, v.ListPath(ps[0])+"?"), pg.URI)
		assert.True(t, strings.HasPrefix(pg.FirstPageURI, v.ListPath(ps[0])+"?"), pg.FirstPageURI)
		for _, p := range pg.Participants {
			got = append(got, p["call_sid"].(string))
		}
		path = ""
		if pg.NextPageURI != nil {
			path = *pg.NextPageURI // relative to the host, query included
		}
		require.Less(t, pages, 10)
	}
	assert.Equal(t, 3, pages)
	want := make([]string, len(ps))
	for i, p := range ps {
		want[i] = p.CallID
	}
	assert.Equal(t, want, got, "everyone once, oldest first")

	def := f.page(v.ListPath(ps[0]))
	assert.Equal(t, v.PageSizes[0], def.PageSize, "the default page size")
	assert.Len(t, def.Participants, min(7, v.PageSizes[0]))
	assert.Equal(t, ps[0].CallID, def.Participants[0]["call_sid"], "rendered as the participant resource")
	assert.Equal(t, ps[0].Conference, def.Participants[0]["conference_sid"])

	// Paging survives a removal between pages: the token is a position, not an offset.
	pg := f.page(v.ListPath(ps[0]) + "?PageSize=3")
	require.Equal(t, http.StatusNoContent, f.Do(http.MethodDelete, v.Path(ps[1], ps[1].CallID), "", "").Status)
	next := f.page(*pg.NextPageURI)
	require.NotEmpty(t, next.Participants)
	assert.Equal(t, ps[3].CallID, next.Participants[0]["call_sid"])
}

func testListFilters(t *testing.T, v *Vendor) {
	f := v.Start(t)
	ps := f.seedConference(4)
	require.Equal(t, http.StatusOK, f.Post(v.Path(ps[1], ps[1].CallID), "Muted=true").Status)
	require.Equal(t, http.StatusOK, f.Post(v.Path(ps[2], ps[2].CallID), "Muted=true&Hold=true").Status)
	count := func(q string) int { return len(f.page(v.ListPath(ps[0]) + q).Participants) }
	if !v.ListFilters {
		assert.Equal(t, 4, count("?Muted=true"), "the vendor's list has no filters: they are ignored")
		return
	}
	assert.Equal(t, 2, count("?Muted=true"))
	assert.Equal(t, 2, count("?Muted=false"))
	assert.Equal(t, 1, count("?Muted=true&Hold=true"))
	assert.Equal(t, 0, count("?Coaching=true"))
	pg := f.page(v.ListPath(ps[0]) + "?Muted=true&PageSize=1")
	require.NotNil(t, pg.NextPageURI)
	assert.Contains(t, *pg.NextPageURI, "Muted=true", "the filters carry over to the next page")
	assert.Equal(t, ps[2].CallID, f.page(*pg.NextPageURI).Participants[0]["call_sid"])
}

func testListErrors(t *testing.T, v *Vendor) {
	f := v.Start(t)
	p := f.Seed(nil)
	other := v.Participant()
	f.assertError(f.Get(v.ListPath(vendorfake.Participant{Account: p.Account, Conference: other.Conference})),
		http.StatusNotFound, vendorfake.NotFound)
	for _, q := range []string{"PageSize=0", "PageSize=" + strconv.Itoa(v.PageSizes[1]+1), "PageSize=x", "Page=-1", "PageToken=zz"} {
		r := f.Get(v.ListPath(p) + "?" + q)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", q, r.Body)
	}
	// A conference whose last participant left is empty, not unknown.
	require.Equal(t, http.StatusNoContent, f.Do(http.MethodDelete, v.Path(p, p.CallID), "", "").Status)
	pg := f.page(v.ListPath(p))
	assert.Empty(t, pg.Participants)
	assert.NotNil(t, pg.Participants, "an empty array, not null")
	assert.Nil(t, pg.NextPageURI)
	f.Srv.AddConference(p.Account, other.Conference)
	assert.Empty(t, f.page(v.ListPath(vendorfake.Participant{Account: p.Account, Conference: other.Conference})).Participants)
}

func testDelete(t *testing.T, v *Vendor) {
	f := v.Start(t)
	p := f.Seed(func(p *vendorfake.Participant) { p.Label = "agent x" })
	q := f.Seed(func(q *vendorfake.Participant) { q.Account, q.Conference = p.Account, p.Conference })
	for _, target := range []string{v.Path(p, "agent x"), v.Path(q, q.CallID)} {
		// twilio-go sends a form Content-Type with an empty body on DELETE.
		r := f.Do(http.MethodDelete, target, "application/x-www-form-urlencoded", "")
		assert.Equal(t, http.StatusNoContent, r.Status, "body %s", r.Body)
		assert.Empty(t, r.Body)
		if v.Spec != nil {
			assert.NoError(t, v.Spec.ValidateResponse(vendorfake.Request{Method: http.MethodDelete, Path: target}, r.Status, r.Header, r.Body))
		}
		f.assertError(f.Do(http.MethodDelete, target, "", ""), http.StatusNotFound, vendorfake.NotFound)
		f.assertError(f.Get(target), http.StatusNotFound, vendorfake.NotFound)
	}
	_, ok := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.False(t, ok)
	f.assertError(f.Do(http.MethodDelete, v.Path(p, p.CallID), "", "", v.BadAuth[firstKey(v.BadAuth)]),
		http.StatusUnauthorized, vendorfake.Unauthorized)
}

func firstKey(m map[string]func(*http.Request)) string {
	for k := range m {
		return k
	}
	return ""
}

// testLoad: the per-account limit answers 429 at once, in the vendor's
// shape, while the requests within it are served after the latency. Under
// synctest: the third request comes while both others hold their slot
// (every goroutine blocked), not after a 20ms sleep; the latency and the
// "at once" are exact on the fake clock.
func testLoad(t *testing.T, v *Vendor) {
	synctest.Test(t, func(t *testing.T) {
		f := v.StartInMemory(t)
		p := f.Seed(nil)
		path := v.Path(p, p.CallID)
		other := f.Seed(nil) // another account (or conference) is not held up
		const latency = 300 * time.Millisecond
		f.Srv.SetLoad(vendorfake.Load{MaxConcurrent: 2, Latency: latency})
		start := time.Now()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { assert.Equal(t, http.StatusOK, f.Get(path).Status) })
		}
		synctest.Wait()
		require.Len(t, f.Srv.Requests(), 2, "both hold their slot for the latency")
		r := f.Get(path)
		assert.Equal(t, http.StatusTooManyRequests, r.Status)
		assert.Zero(t, time.Since(start), "refused at once")
		assert.Equal(t, v.FaultCodes[429], v.Code(t, r.Body), "body %s", r.Body)
		if v.RateLimit != nil {
			v.RateLimit(t, r)
		}
		if other.Account != p.Account {
			assert.Equal(t, http.StatusOK, f.Get(v.Path(other, other.CallID)).Status, "the limit is per account")
		}
		wg.Wait()
		assert.Equal(t, latency, time.Since(start), "served after the latency")
		assert.Equal(t, int64(1), f.Srv.Throttled())
		assert.Equal(t, http.StatusOK, f.Get(path).Status, "slots are given back")
		f.Srv.SetLoad(vendorfake.Load{})
	})
}

// testSpecRoutes makes sure participant paths are really checked (Do skips
// paths the spec does not know).
func testSpecRoutes(t *testing.T, v *Vendor) {
	if v.Spec == nil {
		t.Skip("vendor specs absent")
	}
	f, p, path := v.Begin(t, func(p *vendorfake.Participant) { p.Label = "a/b c?#%" })
	for _, target := range []string{path, v.Path(p, p.Label)} {
		for _, r := range []struct {
			method string
			reply  Reply
		}{{http.MethodGet, f.Get(target)}, {http.MethodPost, f.Post(target, "Muted=true")}} {
			require.Equal(t, http.StatusOK, r.reply.Status)
			rec := vendorfake.Request{Method: r.method, Path: target}
			assert.NoError(t, v.Spec.ValidateResponse(rec, r.reply.Status, r.reply.Header, r.reply.Body), "%s %s", r.method, target)
		}
	}
}

func (f *Fake) assertError(r Reply, status int, kind vendorfake.Kind) {
	f.t.Helper()
	assert.Equal(f.t, status, r.Status, "body %s", r.Body)
	assert.Equal(f.t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(f.t, f.v.Codes[kind], f.v.Code(f.t, r.Body), "body %s", r.Body)
}

func testAuth(t *testing.T, v *Vendor) {
	f, p, path := v.Begin(t, nil)
	assert.Equal(t, http.StatusOK, f.Get(path).Status)
	for name, bad := range v.BadAuth {
		t.Run(name, func(t *testing.T) {
			r := f.Do(http.MethodGet, path, "", "", bad)
			f.assertError(r, http.StatusUnauthorized, vendorfake.Unauthorized)
			assert.Equal(t, v.Challenge, r.Header.Get("WWW-Authenticate"))
			r = f.Do(http.MethodPost, path, "application/x-www-form-urlencoded", "Muted=true", bad)
			assert.Equal(t, http.StatusUnauthorized, r.Status)
		})
	}
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.False(t, got.Muted, "unauthorised POST must not update")
}

func testGet(t *testing.T, v *Vendor) {
	f := v.Start(t)
	created := time.Date(2011, 2, 18, 21, 7, 19, 0, time.UTC)
	p := f.Seed(func(p *vendorfake.Participant) {
		p.Label, p.Muted, p.Created, p.Updated = "agent", true, created, created
	})
	for _, id := range []string{p.CallID, p.Label} {
		r := f.Get(v.Path(p, id))
		require.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		m := JSON(t, r.Body)
		assert.Equal(t, p.CallID, m["call_sid"])
		assert.Equal(t, p.Account, m["account_sid"])
		assert.Equal(t, p.Conference, m["conference_sid"])
		assert.Equal(t, true, m["muted"])
		assert.Equal(t, "connected", m["status"])
		assert.Equal(t, "Fri, 18 Feb 2011 21:07:19 +0000", m["date_created"])
		assert.Equal(t, strings.TrimSuffix(v.Path(p, p.CallID), v.Suffix)+".json", m["uri"])
	}
}

func testUpdate(t *testing.T, v *Vendor) {
	f := v.Start(t)
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	p := f.Seed(func(p *vendorfake.Participant) { p.Created, p.Updated = old, old })
	form := url.Values{
		"Muted": {"true"}, "Hold": {"true"}, "HoldUrl": {"https://example.com/hold"}, "HoldMethod": {"GET"},
		"AnnounceUrl": {"http://example.com/a?x=1"}, "AnnounceMethod": {"POST"}, "WaitUrl": {"https://example.com/w"},
		"BeepOnExit": {"true"}, "EndConferenceOnExit": {"true"}, "Foo": {"bar"},
	}
	r := f.Post(v.Path(p, p.CallID), form.Encode())
	require.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
	m := JSON(t, r.Body)
	for _, k := range []string{"muted", "hold", "end_conference_on_exit"} {
		assert.Equal(t, true, m[k], k)
	}
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	want := p
	want.Muted, want.Hold, want.BeepOnExit, want.EndConferenceOnExit = true, true, true, true
	want.HoldURL, want.HoldMethod, want.AnnounceURL, want.AnnounceMethod, want.WaitURL =
		"https://example.com/hold", "GET", "http://example.com/a?x=1", "POST", "https://example.com/w"
	want.Updated = got.Updated
	assert.Equal(t, want, got)
	assert.True(t, got.Updated.After(old))
	assert.Equal(t, got.Updated, got.Updated.Truncate(time.Second))
	assert.Equal(t, vendorfake.FormatDate(got.Updated), m["date_updated"])
	assert.Equal(t, vendorfake.FormatDate(old), m["date_created"])
}

func testFalse(t *testing.T, v *Vendor) {
	f := v.Start(t)
	p := f.Seed(func(p *vendorfake.Participant) {
		p.Muted, p.Hold, p.BeepOnExit, p.EndConferenceOnExit = true, true, true, true
	})
	form := "Muted=false&Hold=false&BeepOnExit=false&EndConferenceOnExit=false"
	r := f.Post(v.Path(p, p.CallID), form)
	require.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
	m := JSON(t, r.Body)
	assert.Equal(t, false, m["muted"])
	assert.Equal(t, false, m["hold"])
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.False(t, got.Muted || got.Hold || got.BeepOnExit || got.EndConferenceOnExit)
	reqs := f.Srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, url.Values{"Muted": {"false"}, "Hold": {"false"}, "BeepOnExit": {"false"}, "EndConferenceOnExit": {"false"}}, reqs[0].Form)
	assert.Equal(t, form, string(reqs[0].Body))
}

func testLabels(t *testing.T, v *Vendor) {
	f := v.Start(t)
	for _, label := range []string{"a/b", "what?", "#hash", "100%", "with space", "..", "../x", "a%2Fb", "x.json", "ü ñ"} {
		t.Run(label, func(t *testing.T) {
			p := f.Seed(func(p *vendorfake.Participant) { p.Label = label })
			f.Srv.ResetRequests()
			path := v.Path(p, label)
			r := f.Post(path, "Hold=true")
			require.Equal(t, http.StatusOK, r.Status, "path %s body %s", path, r.Body)
			assert.Equal(t, p.CallID, JSON(t, r.Body)["call_sid"])
			got, _ := f.Srv.Participant(p.Account, p.Conference, label)
			assert.True(t, got.Hold)
			assert.Equal(t, path, f.Srv.Requests()[0].Path)
		})
	}
}

func testValidation(t *testing.T, v *Vendor) {
	f := v.Start(t)
	p := f.Seed(nil)
	cases := []struct {
		form string
		kind vendorfake.Kind
	}{
		{"Muted=True", vendorfake.InvalidBool},
		{"Hold=1", vendorfake.InvalidBool},
		{"Muted=true&EndConferenceOnExit=yes", vendorfake.InvalidBool},
		{"HoldMethod=get", vendorfake.InvalidMethod},
		{"AnnounceMethod=PUT", vendorfake.InvalidMethod},
		{"HoldUrl=not+a+url", vendorfake.InvalidURL},
		{"AnnounceUrl=/relative", vendorfake.InvalidURL},
		{"HoldUrl=ftp://example.com/x", vendorfake.InvalidURL},
		{"HoldUrl=", vendorfake.InvalidURL},
		{"CallSidToCoach=", vendorfake.InvalidCallID},
		{"Coaching=true", vendorfake.MissingCallID},
		{"Muted=%zz", vendorfake.BadForm},
	}
	for _, c := range cases {
		t.Run(c.form, func(t *testing.T) {
			r := f.Post(v.Path(p, p.CallID), c.form)
			status := v.Invalid
			if c.kind == vendorfake.BadForm {
				status = http.StatusBadRequest
			}
			f.assertError(r, status, c.kind)
			got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
			assert.Equal(t, p, got, "a rejected update changes nothing")
		})
	}
}

func testCoaching(t *testing.T, v *Vendor) {
	f := v.Start(t)
	coachee := v.Coachee()
	p := f.Seed(nil)
	path := v.Path(p, p.CallID)
	r := f.Post(path, "CallSidToCoach="+url.QueryEscape(coachee))
	require.Equal(t, http.StatusOK, r.Status, "body %s", r.Body)
	assert.Equal(t, true, JSON(t, r.Body)["coaching"], "CallSidToCoach alone implies Coaching")
	require.Equal(t, http.StatusOK, f.Post(path, "Coaching=false").Status)
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.False(t, got.Coaching)
	assert.Equal(t, coachee, got.CallToCoach, "Coaching=false keeps the target")
	require.Equal(t, http.StatusOK, f.Post(path, "Coaching=true").Status, "stored target satisfies Coaching=true")
	got, _ = f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.True(t, got.Coaching)
}

func testNotFound(t *testing.T, v *Vendor) {
	f := v.Start(t)
	p := f.Seed(nil)
	other := v.Participant()
	good := v.Path(p, p.CallID)
	for name, path := range map[string]string{
		"participant":  v.Path(p, other.CallID),
		"conference":   v.Path(vendorfake.Participant{Account: p.Account, Conference: other.Conference}, p.CallID),
		"short":        v.Prefix + "/Accounts/" + p.Account + "/Conferences/" + p.Conference,
		"extra":        strings.TrimSuffix(good, v.Suffix) + "/x" + v.Suffix,
		"prefix":       "/nope" + good,
		"empty":        v.Path(p, ""),
		"root":         "/",
		"case":         strings.Replace(good, "/Participants/", "/participants/", 1),
		"other labels": v.Path(p, "nobody"),
	} {
		t.Run(name, func(t *testing.T) {
			f.assertError(f.Get(path), http.StatusNotFound, vendorfake.NotFound)
			f.assertError(f.Post(path, "Muted=true"), http.StatusNotFound, vendorfake.NotFound)
		})
	}
}

func testMethodAndMedia(t *testing.T, v *Vendor) {
	f, p, path := v.Begin(t, nil)
	for _, m := range []string{http.MethodPut, http.MethodPatch} {
		r := f.Do(m, path, "", "")
		f.assertError(r, http.StatusMethodNotAllowed, vendorfake.MethodNotAllowed)
		assert.Equal(t, "GET, POST, DELETE", r.Header.Get("Allow"))
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := f.Do(m, f.v.ListPath(p), "application/x-www-form-urlencoded", "Muted=true")
		f.assertError(r, http.StatusMethodNotAllowed, vendorfake.MethodNotAllowed)
		assert.Equal(t, "GET", r.Header.Get("Allow"), "the list only reads")
	}
	for ct, body := range map[string]string{
		"application/json": `{"Muted":true}`,
		"text/plain":       "Muted=true",
		"":                 "Muted=true",
	} {
		f.assertError(f.Do(http.MethodPost, path, ct, body), http.StatusUnsupportedMediaType, vendorfake.UnsupportedMediaType)
	}
	r := f.Do(http.MethodPost, path, "application/x-www-form-urlencoded; charset=utf-8", "Muted=true")
	assert.Equal(t, http.StatusOK, r.Status, "charset parameter is fine")
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.True(t, got.Muted)
}

// testBodyTooLarge: a form over vendorfake.MaxBody is refused with 413 in
// the vendor's error shape (code Codes[TooLarge], else "413") and nothing
// of it is applied.
func testBodyTooLarge(t *testing.T, v *Vendor) {
	f, p, path := v.Begin(t, nil)
	r := f.Post(path, "Muted=true&Pad="+strings.Repeat("x", vendorfake.MaxBody))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "body %s", r.Body)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, cmp.Or(v.Codes[vendorfake.TooLarge], "413"), v.Code(t, r.Body), "body %s", r.Body)
	got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
	assert.False(t, got.Muted, "a truncated form is not applied")
	reqs := f.Srv.Requests()
	require.Len(t, reqs, 1)
	assert.True(t, reqs[0].Truncated)
	assert.Len(t, reqs[0].Body, vendorfake.MaxBody)
	assert.Equal(t, http.StatusOK, f.Post(path, "Muted=true").Status, "the next one is served")
}

func testRecording(t *testing.T, v *Vendor) {
	f, _, path := v.Begin(t, nil)
	noAuth := func(*http.Request) {}
	f.Do(http.MethodPost, path+"?x=1", "application/x-www-form-urlencoded", "Muted=true&Foo=bar", noAuth)
	f.Do(http.MethodPost, path, "application/json", `{"a":1}`)
	f.Get(path)
	reqs := f.Srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, path, reqs[0].Path)
	assert.Equal(t, "x=1", reqs[0].RawQuery)
	assert.Equal(t, url.Values{"Muted": {"true"}, "Foo": {"bar"}}, reqs[0].Form)
	assert.Nil(t, reqs[1].Form)
	assert.Equal(t, `{"a":1}`, string(reqs[1].Body))
	assert.Equal(t, "application/json", reqs[1].Header.Get("Content-Type"))
	assert.Equal(t, http.MethodGet, reqs[2].Method)
	reqs[0].Header.Set("X", "y")
	reqs[0].Body[0] = 'X'
	reqs[0].Form.Set("Muted", "no")
	again := f.Srv.Requests()[0]
	assert.Empty(t, again.Header.Get("X"), "Requests returns copies")
	assert.Equal(t, byte('M'), again.Body[0])
	assert.Equal(t, "true", again.Form.Get("Muted"))
	f.Srv.ResetRequests()
	assert.Empty(t, f.Srv.Requests())
}

func testFaults(t *testing.T, v *Vendor) {
	f, p, path := v.Begin(t, nil)
	cases := []struct {
		name  string
		fault vendorfake.Fault
		check func(t *testing.T, r Reply)
	}{
		{"status and retry-after", vendorfake.Fault{Status: 429, RetryAfter: "7"}, func(t *testing.T, r Reply) {
			assert.Equal(t, 429, r.Status)
			assert.Equal(t, "7", r.Header.Get("Retry-After"))
			assert.Equal(t, v.FaultCodes[429], v.Code(t, r.Body))
		}},
		{"explicit code", vendorfake.Fault{Status: 400, Code: "90019", Message: "Conference has already ended"}, func(t *testing.T, r Reply) {
			assert.Equal(t, 400, r.Status)
			assert.Equal(t, "90019", v.Code(t, r.Body))
			assert.Contains(t, string(r.Body), "Conference has already ended")
		}},
		{"injected 404 is the vendor's 404", vendorfake.Fault{Status: 404}, func(t *testing.T, r Reply) {
			assert.Equal(t, v.Codes[vendorfake.NotFound], v.Code(t, r.Body))
		}},
		{"injected 401", vendorfake.Fault{Status: 401}, func(t *testing.T, r Reply) {
			assert.Equal(t, v.Codes[vendorfake.Unauthorized], v.Code(t, r.Body))
			assert.Equal(t, v.Challenge, r.Header.Get("WWW-Authenticate"))
		}},
		{"server error", vendorfake.Fault{Status: 503}, func(t *testing.T, r Reply) {
			assert.Equal(t, 503, r.Status)
			assert.Equal(t, v.FaultCodes[503], v.Code(t, r.Body))
		}},
		{"raw body", vendorfake.Fault{Status: 502, Body: "<html>bad gateway</html>"}, func(t *testing.T, r Reply) {
			assert.Equal(t, 502, r.Status)
			assert.Equal(t, "<html>bad gateway</html>", string(r.Body))
		}},
		{"malformed", vendorfake.Fault{Malformed: true}, func(t *testing.T, r Reply) {
			assert.Equal(t, 200, r.Status)
			assert.False(t, json.Valid(r.Body))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.Srv.Fail(c.fault)
			f.Unchecked = c.fault.Malformed
			c.check(t, f.Post(path, "Muted=true"))
			f.Unchecked = false
			got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
			assert.False(t, got.Muted, "a fault stops the update")
		})
	}
}

func testFaultQueue(t *testing.T, v *Vendor) {
	f, _, path := v.Begin(t, nil)
	statuses := func(n int) []int {
		var out []int
		for range n {
			out = append(out, f.Get(path).Status)
		}
		return out
	}
	f.Srv.Fail(vendorfake.Fault{Status: 500, Times: 2})
	f.Srv.Fail(vendorfake.Fault{Status: 503})
	assert.Equal(t, []int{500, 500, 503, 200}, statuses(4))
	f.Srv.Fail(vendorfake.Fault{Status: 429, Times: -1})
	assert.Equal(t, []int{429, 429, 429}, statuses(3))
	f.Srv.ClearFaults()
	assert.Equal(t, []int{200}, statuses(1))
	assert.Len(t, f.Srv.Requests(), 8, "faulted requests are recorded too")
}

// testDelay: a delay-only fault answers normally after the delay; a
// client that gives up first gets its error, and the handler returns.
// Under synctest, so both times are exact.
func testDelay(t *testing.T, v *Vendor) {
	synctest.Test(t, func(t *testing.T) {
		f := v.StartInMemory(t)
		p := f.Seed(nil)
		path := v.Path(p, p.CallID)

		f.Srv.Fail(vendorfake.Fault{Delay: 50 * time.Millisecond})
		start := time.Now()
		assert.Equal(t, http.StatusOK, f.Get(path).Status, "a delay-only fault answers normally")
		assert.Equal(t, 50*time.Millisecond, time.Since(start))

		f.Srv.Fail(vendorfake.Fault{Delay: time.Minute, Status: 500})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.HTS.URL+path, nil)
		v.Authorize(req)
		start = time.Now()
		_, err := f.Client().Do(req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 50*time.Millisecond, time.Since(start))
		f.HTS.Close() // waits for the handler to return
		assert.Equal(t, 50*time.Millisecond, time.Since(start), "the handler stopped when the client left")
	})
}

func testDrop(t *testing.T, v *Vendor) {
	for _, c := range []struct {
		name  string
		fault vendorfake.Fault
		want  error // nil: any error
	}{{"Drop", vendorfake.Fault{Drop: true}, nil}, {"Reset", vendorfake.Fault{Reset: true}, syscall.ECONNRESET}} {
		t.Run(c.name, func(t *testing.T) {
			f, p, path := v.Begin(t, nil)
			f.Srv.Fail(c.fault)
			// POST: the client does not retry it on a dropped connection.
			req, _ := http.NewRequest(http.MethodPost, f.HTS.URL+path, strings.NewReader("Muted=true"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			v.Authorize(req)
			_, err := f.HTS.Client().Do(req)
			require.Error(t, err)
			if c.want != nil {
				assert.ErrorIs(t, err, c.want)
			}
			got, _ := f.Srv.Participant(p.Account, p.Conference, p.CallID)
			assert.False(t, got.Muted, "a dropped request changes nothing")
			assert.Len(t, f.Srv.Requests(), 1, "but it is recorded")
			assert.Equal(t, http.StatusOK, f.Get(path).Status, "next request is served")
		})
	}
}

// testTruncate: a truncated answer announces its whole body and sends
// half; with a status, it is that answer; with Reset, the connection is
// reset. The request was served and its status logged.
func testTruncate(t *testing.T, v *Vendor) {
	f, _, path := v.Begin(t, nil)
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, f.HTS.URL+path, nil)
		v.Authorize(req)
		return f.HTS.Client().Do(req)
	}
	f.Srv.Fail(vendorfake.Fault{Truncate: true})
	resp, err := get()
	require.NoError(t, err, "the headers arrive whole")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body is cut short")
	assert.Equal(t, int(resp.ContentLength)/2, len(b), "half the announced body arrives")
	reqs := f.Srv.Requests()
	assert.Equal(t, http.StatusOK, reqs[len(reqs)-1].Status)

	f.Srv.Fail(vendorfake.Fault{Truncate: true, Reset: true, Status: http.StatusServiceUnavailable})
	resp, err = get()
	if err == nil { // the reset may overtake the headers
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	assert.Error(t, err, "the answer never arrives whole")
	reqs = f.Srv.Requests()
	assert.Equal(t, http.StatusServiceUnavailable, reqs[len(reqs)-1].Status)
	assert.Equal(t, http.StatusOK, f.Get(path).Status, "the next request is served")
}

// testTrickle: a trickled answer's headers arrive at once, then a space a
// tick and never the body's end; the handler stops when the client leaves.
func testTrickle(t *testing.T, v *Vendor) {
	synctest.Test(t, func(t *testing.T) {
		f := v.StartInMemory(t)
		p := f.Seed(nil)
		f.Srv.Fail(vendorfake.Fault{Trickle: 10 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 55*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.HTS.URL+v.Path(p, p.CallID), nil)
		v.Authorize(req)
		start := time.Now()
		resp, err := f.Client().Do(req)
		require.NoError(t, err)
		assert.Equal(t, time.Duration(0), time.Since(start), "the headers come at once")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, "     ", string(b), "a space every 10ms")
		f.HTS.Close() // waits for the handler to return
		assert.Equal(t, 55*time.Millisecond, time.Since(start), "the handler stopped when the client left")
	})
}

func testConcurrent(t *testing.T, v *Vendor) {
	f, p, path := v.Begin(t, nil)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 10 {
				switch (i + j) % 5 {
				case 0:
					f.Post(path, "Muted="+strconv.FormatBool(j%2 == 0))
				case 1:
					f.Get(path)
				case 2:
					f.Srv.Seed(v.Participant())
				case 3:
					_ = f.Srv.Requests()
					f.Srv.Participant(p.Account, p.Conference, p.CallID)
				case 4:
					f.Srv.Fail(vendorfake.Fault{Delay: time.Millisecond})
				}
			}
		})
	}
	wg.Wait()
	f.Srv.ClearFaults()
	assert.Equal(t, http.StatusOK, f.Get(path).Status)
}
