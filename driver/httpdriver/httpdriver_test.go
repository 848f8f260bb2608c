package httpdriver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
)

// member is the JSON resource of the test carrier: a JSON API that answers
// updates with 204 and lists members in pages.
type member struct {
	CallID string `json:"callId"`
	Mute   bool   `json:"mute"`
	Hold   bool   `json:"hold"`
}

func decodeMember(b []byte) (*participant.Participant, error) {
	var m member
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &participant.Participant{CallID: m.CallID, Muted: m.Mute, Hold: m.Hold}, nil
}

// jsonDialect declares every operation: PUT JSON answered 204, GET, a list
// paged by cursor or link, DELETE.
func jsonDialect(byLink bool) *httpdriver.Dialect {
	member := httpdriver.MustPath("/accounts/{account}/conferences/{conference}/members/{call}")
	return &httpdriver.Dialect{
		Provider: "jsoncarrier",
		Wire:     map[participant.Field]string{participant.FieldMuted: "mute", participant.FieldHold: "hold"},
		Update: &httpdriver.Operation{Method: http.MethodPut, Path: member, Body: httpdriver.JSONBody, NoContent: true,
			Encode: func(req *participant.UpdateRequest) ([]byte, error) {
				return json.Marshal(struct {
					Mute *bool `json:"mute,omitempty"`
					Hold *bool `json:"hold,omitempty"`
				}{req.Muted, req.Hold})
			}},
		Fetch: &httpdriver.Operation{Method: http.MethodGet, Path: member, Decode: decodeMember},
		List: &httpdriver.Operation{Method: http.MethodGet, Path: httpdriver.MustPath("/accounts/{account}/conferences/{conference}/members"),
			Query: func(opts participant.ListOptions, cursor string) url.Values {
				q := url.Values{}
				if opts.PageSize > 0 {
					q.Set("size", strconv.Itoa(opts.PageSize))
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				return q
			},
			Decode: decodeMember,
			DecodePage: func(b []byte) (httpdriver.Page, error) {
				var pg struct {
					Members []json.RawMessage `json:"members"`
					Next    string            `json:"next"`
				}
				err := json.Unmarshal(b, &pg)
				if byLink {
					return httpdriver.Page{Items: pg.Members, Next: pg.Next}, err
				}
				return httpdriver.Page{Items: pg.Members, Cursor: pg.Next}, err
			}},
		Remove: &httpdriver.Operation{Method: http.MethodDelete, Path: member, NoContent: true},
		DecodeError: func(b []byte) (string, string, error) {
			return "", "", nil
		},
	}
}

// carrier is the test server: members c-0…c-(n-1) in conference conf-1,
// pages of 2.
type carrier struct {
	mu      sync.Mutex
	members []member
	log     []string // method, path and query of each request
	bodies  []string
	ctypes  []string
	next    func(r *http.Request, page int) string // the next page's link or cursor, "" at the end
	url     string
	failGet bool // member GETs answer 503
}

func (c *carrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	c.log = append(c.log, r.Method+" "+r.URL.RequestURI())
	c.bodies = append(c.bodies, string(body))
	c.ctypes = append(c.ctypes, r.Header.Get("Content-Type"))
	const prefix = "/accounts/9900000/conferences/conf-1/members"
	find := func() int {
		for i, m := range c.members {
			if r.URL.Path == prefix+"/"+m.CallID {
				return i
			}
		}
		return -1
	}
	switch {
	case r.URL.Path == prefix && r.Method == http.MethodGet:
		page, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		if p := r.URL.Query().Get("page"); p != "" {
			page, _ = strconv.Atoi(p)
		}
		end := min(2*page+2, len(c.members))
		_ = json.NewEncoder(w).Encode(map[string]any{"members": c.members[min(2*page, end):end], "next": c.next(r, page)})
	case find() < 0:
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodPut:
		var m struct{ Mute, Hold *bool }
		_ = json.Unmarshal(body, &m)
		i := find()
		if m.Mute != nil {
			c.members[i].Mute = *m.Mute
		}
		if m.Hold != nil {
			c.members[i].Hold = *m.Hold
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && c.failGet:
		w.WriteHeader(http.StatusServiceUnavailable)
	case r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(c.members[find()])
	case r.Method == http.MethodDelete:
		i := find()
		c.members = append(c.members[:i], c.members[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
	}
}

func start(t *testing.T, n int, byLink bool, next func(r *http.Request, page int) string) (*carrierkit.Client, *carrier) {
	c := &carrier{next: next}
	for i := range n {
		c.members = append(c.members, member{CallID: "c-" + strconv.Itoa(i), Mute: i%2 == 0})
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return carrierkit.New(httpdriver.New(jsonDialect(byLink), httpdriver.Config{BaseURL: srv.URL, Account: "9900000",
		HTTP: driver.Options{Retry: &driver.RetryPolicy{}}})), c
}

// cursorPages gives cursors 1, 2, … until the members run out.
func cursorPages(members int) func(*http.Request, int) string {
	return func(_ *http.Request, page int) string {
		if 2*page+2 >= members {
			return ""
		}
		return strconv.Itoa(page + 1)
	}
}

var ref = participant.Ref{Conference: "conf-1", Call: "c-1"}

func TestUpdateNoContentReadsBack(t *testing.T) {
	cl, srv := start(t, 2, false, cursorPages(2))
	p, err := cl.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true),
		Hold: participant.Bool(false)})
	require.NoError(t, err)
	assert.Equal(t, []string{"PUT /accounts/9900000/conferences/conf-1/members/c-1",
		"GET /accounts/9900000/conferences/conf-1/members/c-1"}, srv.log)
	assert.Equal(t, `{"mute":true,"hold":false}`, srv.bodies[0], "false is sent, as JSON")
	assert.Equal(t, "application/json", srv.ctypes[0])
	assert.True(t, p.Muted)
	assert.Equal(t, "jsoncarrier", p.Provider)
	assert.Equal(t, "9900000", p.AccountID, "filled from the request when the resource has none")
	assert.Equal(t, "conf-1", p.ConferenceID)
	assert.JSONEq(t, `{"callId":"c-1","mute":true,"hold":false}`, string(p.Raw), "Raw is the read-back body")
}

func TestUpdateRefused(t *testing.T) {
	cl, srv := start(t, 2, false, cursorPages(2))
	_, err := cl.Update(context.Background(), participant.Ref{Conference: "conf-1", Call: "c-9"},
		participant.UpdateRequest{Muted: participant.Bool(true)})
	assert.ErrorIs(t, err, participant.ErrNotFound)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, pe.Attempts)
	assert.Len(t, srv.log, 1, "nothing read back after a refused update")
}

func TestUpdateReadBackFails(t *testing.T) {
	cl, srv := start(t, 2, false, cursorPages(2))
	srv.failGet = true
	_, err := cl.Update(context.Background(), ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	assert.ErrorIs(t, err, participant.ErrUnavailable)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, participant.Op("update"), pe.Op)
	assert.Equal(t, 2, pe.Attempts, "the PUT and the GET")
	assert.Contains(t, err.Error(), "the update was applied")
	assert.True(t, srv.members[1].Mute)
}

func TestCapabilitiesOps(t *testing.T) {
	cl, _ := start(t, 0, false, cursorPages(0))
	caps := cl.Capabilities()
	for _, o := range []participant.Op{participant.OpFetch, participant.OpList, participant.OpRemove} {
		assert.True(t, caps.Can(o), "%v", o)
	}
	d := jsonDialect(false)
	d.List, d.Remove = nil, nil
	bare := carrierkit.New(httpdriver.New(d, httpdriver.Config{BaseURL: "http://127.0.0.1:1", Account: "1"}))
	assert.True(t, bare.Capabilities().Can(participant.OpFetch))
	assert.False(t, bare.Capabilities().Can(participant.OpList))
	assert.False(t, bare.Capabilities().Can(participant.OpRemove))
	raw := httpdriver.New(d, httpdriver.Config{BaseURL: "http://127.0.0.1:1", Account: "1"})
	assert.ErrorIs(t, raw.Remove(context.Background(), ref), participant.ErrUnsupported, "the driver alone refuses too")
	assert.ErrorIs(t, bare.Remove(context.Background(), ref), participant.ErrUnsupported)
	var errs []error
	for _, err := range bare.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{}) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1, "one error ends the sequence")
	assert.ErrorIs(t, errs[0], participant.ErrUnsupported)
}

func TestRemove(t *testing.T) {
	cl, srv := start(t, 2, false, cursorPages(2))
	require.NoError(t, cl.Remove(context.Background(), ref))
	assert.Equal(t, []string{"DELETE /accounts/9900000/conferences/conf-1/members/c-1"}, srv.log)
	assert.Empty(t, srv.bodies[0])
	assert.ErrorIs(t, cl.Remove(context.Background(), ref), participant.ErrNotFound)
}

func collect(t *testing.T, seq func(func(*participant.Participant, error) bool), stopAfter int) ([]string, error) {
	t.Helper()
	var ids []string
	for p, err := range seq {
		if err != nil {
			return ids, err
		}
		ids = append(ids, p.CallID)
		if len(ids) == stopAfter {
			break
		}
	}
	return ids, nil
}

func TestListCursor(t *testing.T) {
	cl, srv := start(t, 5, false, cursorPages(5))
	ids, err := collect(t, cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{PageSize: 2}), -1)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-0", "c-1", "c-2", "c-3", "c-4"}, ids)
	assert.Equal(t, []string{
		"GET /accounts/9900000/conferences/conf-1/members?size=2",
		"GET /accounts/9900000/conferences/conf-1/members?cursor=1&size=2",
		"GET /accounts/9900000/conferences/conf-1/members?cursor=2&size=2",
	}, srv.log)
}

func TestListStopsEarly(t *testing.T) {
	cl, srv := start(t, 5, false, cursorPages(5))
	ids, err := collect(t, cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{}), 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-0", "c-1"}, ids)
	assert.Len(t, srv.log, 1, "no further page is fetched after the caller stops")
}

func TestListFilters(t *testing.T) {
	cl, _ := start(t, 5, false, cursorPages(5))
	ids, err := collect(t, cl.List(context.Background(), ref.ConferenceRef(),
		participant.ListOptions{Muted: participant.Bool(true)}), -1)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-0", "c-2", "c-4"}, ids, "only the muted members")
}

func TestListLinks(t *testing.T) {
	var base string
	next := func(r *http.Request, page int) string {
		if 2*page+2 >= 5 {
			return ""
		}
		switch page {
		case 0: // a host-relative link
			return "/accounts/9900000/conferences/conf-1/members?page=1"
		default: // an absolute link on the same host
			return base + "/accounts/9900000/conferences/conf-1/members?page=" + strconv.Itoa(page+1)
		}
	}
	cl, srv := start(t, 5, true, next)
	base = srv.url
	ids, err := collect(t, cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{}), -1)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-0", "c-1", "c-2", "c-3", "c-4"}, ids)
	assert.Equal(t, "GET /accounts/9900000/conferences/conf-1/members?page=2", srv.log[2])
}

func TestListBadLinks(t *testing.T) {
	for name, link := range map[string]string{
		"OtherHost": "https://evil.example/accounts/9900000/conferences/conf-1/members?page=1",
		"SamePage":  "/accounts/9900000/conferences/conf-1/members",
	} {
		t.Run(name, func(t *testing.T) {
			cl, srv := start(t, 5, true, func(*http.Request, int) string { return link })
			ids, err := collect(t, cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{}), -1)
			assert.Equal(t, []string{"c-0", "c-1"}, ids, "the first page is yielded")
			assert.ErrorIs(t, err, participant.ErrUnknown)
			assert.Len(t, srv.log, 1, "the bad link is not followed")
		})
	}
}

func TestListRefChecks(t *testing.T) {
	cl, srv := start(t, 1, false, cursorPages(1))
	_, err := collect(t, cl.List(context.Background(), participant.ConferenceRef{}, participant.ListOptions{}), -1)
	var pe *participant.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Ref.Conference", pe.Field)
	assert.Equal(t, participant.Op("list"), pe.Op)
	_, err = collect(t, cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{PageSize: -1}), -1)
	assert.ErrorIs(t, err, participant.ErrInvalidArgument)
	assert.Empty(t, srv.log)
}

// TestListPageBound: a carrier whose every page links to a new one ends
// the list with an error after MaxPages pages.
func TestListPageBound(t *testing.T) {
	cl, srv := start(t, 2, false, func(_ *http.Request, page int) string { return "0" })
	srv.next = func(r *http.Request, _ int) string {
		n, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		return strconv.Itoa(n + 1) // always a fresh cursor; the items repeat
	}
	srv.members = srv.members[:0] // empty pages, so the pages are cheap
	var err error
	for _, e := range cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{}) {
		err = e
	}
	assert.ErrorIs(t, err, participant.ErrUnknown)
	assert.ErrorContains(t, err, "past 10000")
	assert.Len(t, srv.log, httpdriver.MaxPages)
}

// TestListLinkCycle: a carrier whose links lead back to a page already
// read (by link or by cursor) ends the list with an error at once; the
// participants are not yielded again.
func TestListLinkCycle(t *testing.T) {
	for name, tc := range map[string]struct {
		byLink bool
		next   func(*http.Request, int) string
	}{
		"BackToFirst": {true, func(_ *http.Request, page int) string {
			if page == 0 {
				return "/accounts/9900000/conferences/conf-1/members?page=1"
			}
			return "/accounts/9900000/conferences/conf-1/members" // the first page again
		}},
		"TwoPages": {true, func(_ *http.Request, page int) string {
			// page 0 → 1 → 2 → 1 → 2 …
			return "/accounts/9900000/conferences/conf-1/members?page=" + strconv.Itoa(1+page%2)
		}},
		"QueryReordered": {true, func(_ *http.Request, page int) string {
			if page == 1 {
				return "/accounts/9900000/conferences/conf-1/members?x=1&page=1" // the page just read, its query in another order
			}
			return "/accounts/9900000/conferences/conf-1/members?page=1&x=1"
		}},
		"Cursor": {false, func(_ *http.Request, page int) string {
			return strconv.Itoa(1 + page%2) // cursors 1, 2, 1, 2 …
		}},
	} {
		t.Run(name, func(t *testing.T) {
			cl, srv := start(t, 5, tc.byLink, tc.next)
			ids, err := collect(t, cl.List(context.Background(), ref.ConferenceRef(), participant.ListOptions{}), 20)
			assert.ErrorIs(t, err, participant.ErrUnknown)
			assert.ErrorContains(t, err, "already")
			seen := map[string]bool{}
			for _, id := range ids {
				assert.False(t, seen[id], "%s yielded twice: %v", id, ids)
				seen[id] = true
			}
			assert.LessOrEqual(t, len(srv.log), 3, "no page is read twice: %v", srv.log)
		})
	}
}
