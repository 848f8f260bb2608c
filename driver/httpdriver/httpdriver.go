package httpdriver

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/internal/scrub"
	"github.com/carrierkit/carrierkit/participant"
)

// Body says how an operation's request body is built from the request.
type Body uint8

// Body encodings.
const (
	// NoBody sends no body (GET, DELETE).
	NoBody Body = iota
	// FormBody sends application/x-www-form-urlencoded: the fields the
	// request sets, in Field order, under their Dialect.Wire names, booleans
	// as true/false.
	FormBody
	// JSONBody sends application/json built by Operation.Encode.
	JSONBody
)

// Operation is one HTTP operation of a carrier's participant API.
type Operation struct {
	// Method is the HTTP method, e.g. http.MethodPost.
	Method string
	// Path is the path after the adapter's base URL (see MustPath).
	Path Path
	// Body is how the request body is built (Update, and a Remove that is
	// an action such as Vonage's hangup; other operations send none).
	Body Body
	// Encode builds a JSONBody from the request, which the engine has
	// checked with the dialect's Check, and carrierkit.Client against the
	// neutral rules and the capabilities.
	Encode func(req *participant.UpdateRequest) ([]byte, error)
	// Query returns the query of a List page: the first page's with an
	// empty cursor, the next one's with the cursor the previous page gave.
	Query func(opts participant.ListOptions, cursor string) url.Values
	// NoContent means a success answer carries no participant (204). After
	// such an Update the engine reads the participant back with the
	// dialect's Fetch operation.
	NoContent bool
	// Decode turns a participant resource into a participant; for List it
	// decodes each item of a page. The engine fills Provider and Raw, and
	// AccountID and ConferenceID when the resource leaves them out.
	Decode func(body []byte) (*participant.Participant, error)
	// DecodePage splits a List answer into its participant resources and
	// the way to the next page.
	DecodePage func(body []byte) (Page, error)
}

// Page is one page of a List answer.
type Page struct {
	// Items are the participant resources, each decoded with the
	// operation's Decode and kept as the participant's Raw.
	Items []json.RawMessage
	// Next is the next page as a URL reference resolved against the page's
	// own URL (Twilio's next_page_uri); it must stay on the carrier's
	// scheme and host. Empty: no link.
	Next string
	// Cursor, when Next is empty, asks for the next page through
	// Operation.Query. Empty too: this was the last page.
	Cursor string
}

// Dialect is what is truly one vendor's.
type Dialect struct {
	// Provider is the adapter's name, e.g. "twilio".
	Provider string
	// Labels reports whether Ref.Call may be a participant label.
	Labels bool
	// Omits says what the vendor's participant resource does not carry.
	Omits participant.Omits
	// Wire maps each field the vendor accepts to its name on the wire (the
	// form name of a FormBody). Fields absent here are unsupported and
	// refused before sending.
	Wire map[participant.Field]string
	// Update is required. Fetch, List and Remove are the optional
	// operations: the engine reports in Capabilities.Ops the ones declared,
	// and refuses the others with ErrUnsupported, nothing sent.
	Update, Fetch, List, Remove *Operation
	// Check, when set, applies the vendor's id and value rules before
	// sending; it returns the offending field and the rule, or "", "". A
	// fetch, a remove and CheckRef pass the zero request; a list passes a
	// ref with an empty Call. (By value: a pointer passed through a func
	// value would move every request to the heap.)
	Check func(account string, ref participant.Ref, req participant.UpdateRequest) (field, rule string)
	// DecodeError turns an error body into the vendor's code, its message
	// and its error value; vendorErr is nil when the body is not the
	// vendor's shape.
	DecodeError func(body []byte) (code, message string, vendorErr error)
	// Codes maps vendor error codes to neutral codes; codes not listed fall
	// back to the HTTP status.
	Codes map[string]participant.Code

	// Plan, when set, makes an update several calls (see Step): it appends
	// to steps the calls that apply req, already validated and checked,
	// and returns them; the engine runs them in phase order. current is
	// the participant as read before the update when PlanNeedsState asks
	// for it, else nil. Update is then unused. Nil: one call, the Update
	// operation, carrying every field.
	Plan func(req *participant.UpdateRequest, current *participant.Participant, steps []Step) []Step
	// PlanNeedsState, when set, reports whether Plan needs the
	// participant's state for req; the engine reads it with Fetch first.
	PlanNeedsState func(req *participant.UpdateRequest) bool
	// NoReadBack says the carrier cannot report the participant's update
	// state: a planned update is not read back, and returns the ids of the
	// ref with Muted and Hold as the request set them.
	NoReadBack bool
	// Unreadable are the accepted fields the carrier's participant
	// resource does not report (Vonage's mute and earmuff); Capabilities
	// leave them out of Readable.
	Unreadable participant.FieldSet
	// HoldMutes: hold uses the carrier's one mute flag
	// (participant.Capabilities.HoldMutes).
	HoldMutes bool
}

// Config is the per-instance part of an adapter.
type Config struct {
	BaseURL string // without trailing slash
	Account string // default account for refs that leave it empty
	// Authorization is the header value sent with every request, unless
	// Authorize is set.
	Authorization string
	// Authorize, when set, mints the Authorization value of each request
	// (a token signed per request).
	Authorize AuthorizeFunc
	// Secrets are scrubbed, in every form they can take (raw, base64,
	// percent-, JSON- and Go-escaped, and inside the Basic token of
	// User:Value), from every error, vendor error value and log line. List
	// every credential the Authorization value is made from.
	Secrets []Secret
	// ScrubJWTs also scrubs every JSON Web Token from errors and logs, for
	// tokens minted per request (Authorize), which Secrets cannot list.
	ScrubJWTs bool
	// HTTP are the caller's HTTP options (client, logger, retries, …).
	HTTP driver.Options
}

// Secret is a credential to keep out of errors and logs (Config.Secrets).
type Secret struct {
	// User is the Basic user name the credential goes with, or "".
	User string
	// Value is the secret itself: a password, an API key or token.
	Value string
}

// Driver is a driver.Driver speaking one Dialect over HTTP. It implements
// every optional operation interface of package driver;
// Capabilities().Ops says which ones the carrier really offers, and the
// others fail with participant.ErrUnsupported, nothing sent. It is safe for
// concurrent use.
//
// A Driver trusts its caller to have validated what carrierkit.Client
// validates (participant.Validate, the neutral id rules, the list
// options): wrap it with carrierkit.New rather than calling it directly.
type Driver struct {
	d     *Dialect
	cfg   Config
	caps  participant.Capabilities
	wire  []string // indexed by participant.Field
	http  *httpx.Client
	scrub *scrub.Scrubber
	// accountRule is the neutral id rule the default account breaks, or "".
	accountRule string
}

var (
	_ driver.Driver     = (*Driver)(nil)
	_ driver.Fetcher    = (*Driver)(nil)
	_ driver.Lister     = (*Driver)(nil)
	_ driver.Remover    = (*Driver)(nil)
	_ driver.RefChecker = (*Driver)(nil)
	_ driver.Closer     = (*Driver)(nil)
	_ driver.Aser       = (*Driver)(nil)
)

// New returns a Driver speaking d with cfg. It panics if d is not a usable
// dialect (no Update, a NoContent update without Fetch, a list without
// DecodePage), as dialects are fixed at compile time.
func New(d *Dialect, cfg Config) *Driver {
	switch {
	case d.Update == nil && d.Plan == nil:
		panic("httpdriver: dialect " + d.Provider + " has no Update operation")
	case d.Plan != nil && !d.NoReadBack && d.Fetch == nil:
		panic("httpdriver: dialect " + d.Provider + ": a planned update needs a Fetch operation to read back, or NoReadBack")
	case d.PlanNeedsState != nil && d.Fetch == nil:
		panic("httpdriver: dialect " + d.Provider + ": PlanNeedsState needs a Fetch operation")
	case d.Update == nil:
	case d.Update.NoContent && d.Fetch == nil:
		panic("httpdriver: dialect " + d.Provider + ": a NoContent Update needs a Fetch operation to read back")
	case d.Update.Body == JSONBody && d.Update.Encode == nil:
		panic("httpdriver: dialect " + d.Provider + ": a JSONBody Update needs Encode")
	case d.List != nil && (d.List.DecodePage == nil || d.List.Decode == nil):
		panic("httpdriver: dialect " + d.Provider + ": List needs DecodePage and Decode")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	var accountRule string
	if cfg.Account != "" {
		// Checked as a ref's account would be, once: refs that leave
		// Account empty use it.
		if err := participant.CheckRef(participant.Ref{Account: cfg.Account, Conference: "-"}, participant.OpList,
			participant.Capabilities{}); err != nil {
			accountRule = "is empty and the adapter's default account " + engineError(err).Message
		}
	}
	secrets := make([]scrub.Secret, len(cfg.Secrets))
	for i, s := range cfg.Secrets {
		secrets[i] = scrub.Secret{User: s.User, Value: s.Value}
	}
	sc := scrub.New(secrets...)
	if cfg.ScrubJWTs {
		sc = sc.WithJWTs()
	}
	c := &Driver{d: d, cfg: cfg, scrub: sc, accountRule: accountRule, http: httpx.New(httpx.Options{Provider: d.Provider, Scrub: sc,
		Authorize: cfg.Authorize, Options: cfg.HTTP}),
		caps: participant.Capabilities{Provider: d.Provider, Labels: d.Labels, Omits: d.Omits, HoldMutes: d.HoldMutes}}
	for op, declared := range map[participant.Op]bool{participant.OpFetch: d.Fetch != nil,
		participant.OpList: d.List != nil, participant.OpRemove: d.Remove != nil} {
		if declared {
			c.caps.Ops |= participant.NewOpSet(op)
		}
	}
	all := participant.AllFields()
	c.wire = make([]string, len(all))
	for _, f := range all {
		if name := d.Wire[f]; name != "" {
			c.wire[f] = name
			c.caps.Fields |= participant.NewFieldSet(f)
		}
	}
	if d.Fetch != nil || d.List != nil {
		c.caps.Readable = c.caps.Fields & reported &^ d.Unreadable
	}
	return c
}

// reported are the fields the neutral Participant carries.
var reported = participant.NewFieldSet(participant.FieldMuted, participant.FieldHold, participant.FieldCoaching,
	participant.FieldCallToCoach, participant.FieldEndConferenceOnExit)

// Close closes the idle connections of the driver's HTTP client
// (carrierkit.Client.Close calls it). A request made after Close opens a
// new connection: the portable client is what refuses calls once closed.
func (c *Driver) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// As supports two targets: a **http.Client gets the client requests go
// through (Options.HTTPClient, or the default pooled one), and a **Driver
// gets d itself (for BaseURL).
func (c *Driver) As(target any) bool {
	switch t := target.(type) {
	case **http.Client:
		*t = c.http.HTTPClient()
	case **Driver:
		*t = c
	default:
		return false
	}
	return true
}

// BaseURL returns the API root the driver sends to (Config.BaseURL without
// a trailing slash).
func (c *Driver) BaseURL() string { return c.cfg.BaseURL }

// Capabilities reports the fields the dialect carries and the operations
// it declares.
func (c *Driver) Capabilities() participant.Capabilities { return c.caps }

// Update checks ref and req against the dialect's id rules (Check), sends
// req as the dialect's Update operation says, and returns the participant
// from the answer, or read back with Fetch when the answer carries none.
// req is validated by carrierkit.Client already.
func (c *Driver) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	if c.d.Plan != nil {
		plan := req // updatePlan keeps what it is given: only this path pays for req on the heap
		return c.updatePlan(ctx, ref, &plan)
	}
	r, account, err := c.prepareUpdate(ref, &req)
	if err != nil {
		return nil, err
	}
	resp, perr := c.send(ctx, "update", &r)
	if perr != nil {
		return nil, perr
	}
	if op := c.d.Update; !op.NoContent {
		return c.decode("update", op.Decode, resp, account, ref)
	}
	// The carrier applied the update and said nothing more: read it back.
	p, _, err := c.fetch(ctx, "update", account, ref)
	if err != nil {
		pe := engineError(err)
		pe.Attempts += resp.Attempts
		pe.Delivery, pe.Applied = participant.DeliveryApplied, req.Fields()
		pe.Message = "the update was applied, but reading the participant back failed" + prefixed(pe.Message)
		return nil, pe
	}
	return p, nil
}

// prepareUpdate checks ref and the validated req and builds the request.
// The request is returned by value and req is not kept, so that neither
// escapes to the heap on the update path.
func (c *Driver) prepareUpdate(ref participant.Ref, req *participant.UpdateRequest) (httpx.Request, string, error) {
	op := c.d.Update
	u, account, err := c.url("update", op, ref, req)
	if err != nil {
		return httpx.Request{}, "", err
	}
	auth, perr := c.authorization("update")
	if perr != nil {
		return httpx.Request{}, "", perr
	}
	r := httpx.Request{Method: op.Method, URL: u, Authorization: auth, Idempotent: req.Idempotent()}
	switch op.Body {
	case FormBody:
		r.Body = c.Encode(req)
	case JSONBody:
		cp := *req // op.Encode is a func value: what it is given escapes
		if r.Body, err = op.Encode(&cp); err != nil {
			return httpx.Request{}, "", &participant.Error{Code: participant.CodeInvalidArgument, Provider: c.d.Provider,
				Op: "update", Message: "cannot encode the request: " + err.Error(), Err: err,
				Delivery: participant.DeliveryNotSent}
		}
		r.ContentType = "application/json"
	}
	return r, account, nil
}

func prefixed(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// Fetch reads the participant with the dialect's Fetch operation.
func (c *Driver) Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	if c.d.Fetch == nil {
		return nil, c.unsupported(participant.OpFetch)
	}
	u, account, err := c.url("fetch", c.d.Fetch, ref, nil)
	if err != nil {
		return nil, err
	}
	p, _, err := c.get(ctx, "fetch", u, account, ref)
	return p, err
}

// fetch reads back ref (already checked) for op, and says how many
// requests that took (on failure, the error's Attempts say it too).
func (c *Driver) fetch(ctx context.Context, op participant.Op, account string, ref participant.Ref) (*participant.Participant, int, error) {
	return c.get(ctx, op, c.d.Fetch.Path.build(c.cfg.BaseURL, account, ref), account, ref)
}

func (c *Driver) get(ctx context.Context, op participant.Op, u, account string, ref participant.Ref) (*participant.Participant, int, error) {
	auth, perr := c.authorization(op)
	if perr != nil {
		return nil, 0, perr
	}
	resp, perr := c.send(ctx, op, &httpx.Request{Method: c.d.Fetch.Method, URL: u,
		Authorization: auth, Idempotent: true})
	if perr != nil {
		return nil, perr.Attempts, perr
	}
	var p *participant.Participant
	var err error
	if c.d.Fetch.DecodePage != nil {
		p, err = c.find(op, resp, account, ref)
	} else {
		p, err = c.decode(op, c.d.Fetch.Decode, resp, account, ref)
	}
	return p, resp.Attempts, err
}

// find picks ref's participant out of a Fetch answer that lists every
// participant of the conference (a Fetch operation with DecodePage,
// Plivo's GET /Conference/{name}/): one missing from it is not found.
func (c *Driver) find(op participant.Op, resp httpx.Response, account string, ref participant.Ref) (*participant.Participant, error) {
	pg, err := c.d.Fetch.DecodePage(resp.Body)
	if err != nil {
		return nil, c.decodeError(op, resp, err)
	}
	for _, item := range pg.Items {
		p, err := c.decode(op, c.d.Fetch.Decode, httpx.Response{Status: resp.Status, Body: item, Attempts: resp.Attempts},
			account, ref)
		if err != nil {
			return nil, err
		}
		if p.CallID == ref.Call || p.Label != "" && p.Label == ref.Call {
			return p, nil
		}
	}
	return nil, &participant.Error{Code: participant.CodeNotFound, Provider: c.d.Provider, Op: op,
		HTTPStatus: resp.Status, Attempts: resp.Attempts, Delivery: participant.DeliveryAnswered,
		Message: "the conference has no participant " + strconv.Quote(ref.Call)}
}

// Remove takes the participant out of its conference with the dialect's
// Remove operation. Remove is retried like any idempotent request, so a
// retry after an ambiguous failure may report ErrNotFound for a
// participant the first attempt removed.
func (c *Driver) Remove(ctx context.Context, ref participant.Ref) error {
	op := c.d.Remove
	if op == nil {
		return c.unsupported(participant.OpRemove)
	}
	u, _, err := c.url("remove", op, ref, nil)
	if err != nil {
		return err
	}
	auth, perr := c.authorization("remove")
	if perr != nil {
		return perr
	}
	r := &httpx.Request{Method: op.Method, URL: u, Authorization: auth, Idempotent: true}
	if op.Body == JSONBody { // an action body, e.g. Vonage's {"action":"hangup"}
		if r.Body, err = op.Encode(&participant.UpdateRequest{}); err != nil {
			return &participant.Error{Code: participant.CodeUnknown, Provider: c.d.Provider, Op: "remove",
				Message: "cannot encode the request: " + err.Error(), Err: err}
		}
		r.ContentType = "application/json"
	}
	if _, perr := c.send(ctx, "remove", r); perr != nil {
		return perr
	}
	return nil
}

// List yields the participants of conf page by page with the dialect's
// List operation, keeping those that match opts' filters (also when the
// carrier filtered already). Stopping early fetches no further page.
func (c *Driver) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		op := c.d.List
		if op == nil {
			yield(nil, c.unsupported(participant.OpList))
			return
		}
		ref := conf.Participant("")
		first, account, err := c.url("list", op, ref, nil)
		if err != nil {
			yield(nil, err)
			return
		}
		page := c.pageURL(first, op, opts, "")
		read := map[string]bool{} // the pages read, by pageKey: a link back to one is a loop
		for n := 0; page != ""; n++ {
			if n == MaxPages {
				yield(nil, &participant.Error{Code: participant.CodeUnknown, Provider: c.d.Provider, Op: "list",
					Delivery: participant.DeliveryNotSent, // this page was not asked for
					Message:  fmt.Sprintf("the carrier kept linking to further pages past %d", MaxPages)})
				return
			}
			auth, perr := c.authorization("list")
			if perr != nil {
				yield(nil, perr)
				return
			}
			resp, perr := c.send(ctx, "list", &httpx.Request{Method: op.Method, URL: page,
				Authorization: auth, Idempotent: true})
			if perr != nil {
				yield(nil, perr)
				return
			}
			pg, err := op.DecodePage(resp.Body)
			if err != nil {
				yield(nil, c.decodeError("list", resp, err))
				return
			}
			for _, item := range pg.Items {
				p, err := c.decode("list", op.Decode, httpx.Response{Status: resp.Status, Body: item,
					Attempts: resp.Attempts}, account, ref)
				if err != nil {
					yield(nil, err)
					return
				}
				if matches(p, opts) && !yield(p, nil) {
					return
				}
			}
			read[pageKey(page)] = true
			next, err := c.nextPage(page, first, op, opts, pg)
			if err == nil && read[pageKey(next)] {
				err = errors.New("the next page link names a page already read")
			}
			if err != nil {
				yield(nil, c.decodeError("list", resp, err))
				return
			}
			page = next
		}
	}
}

// MaxPages bounds a List: a carrier that keeps linking to new pages ends
// the sequence with an error after this many, even without a deadline.
const MaxPages = 10_000

// pageURL is the list URL with the query for cursor.
func (c *Driver) pageURL(u string, op *Operation, opts participant.ListOptions, cursor string) string {
	if op.Query == nil {
		return u
	}
	if q := op.Query(opts, cursor).Encode(); q != "" {
		if strings.Contains(u, "?") { // the path holds a query of its own (Vonage's conversation_uuid)
			return u + "&" + q
		}
		return u + "?" + q
	}
	return u
}

// pageKey is u with its query parameters in one order, so that two
// spellings of one page compare equal.
func pageKey(u string) string {
	path, query, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return u
	}
	return path + "?" + q.Encode()
}

// nextPage returns the URL of the page after current, or "" after the
// last. A link must stay on the base URL's scheme and host (it gets the
// credentials); List refuses one naming a page already read.
func (c *Driver) nextPage(current, first string, op *Operation, opts participant.ListOptions, pg Page) (string, error) {
	var next string
	switch {
	case pg.Next != "":
		cur, err := url.Parse(current)
		if err != nil {
			return "", err
		}
		ref, err := url.Parse(pg.Next)
		if err != nil {
			return "", errors.New("the next page link is not a URL")
		}
		n := cur.ResolveReference(ref)
		if n.Scheme != cur.Scheme || n.Host != cur.Host || n.User != nil {
			return "", errors.New("the next page link leaves the carrier's host")
		}
		next = n.String()
	case pg.Cursor != "":
		next = c.pageURL(first, op, opts, pg.Cursor)
	default:
		return "", nil
	}
	return next, nil
}

// matches reports whether p passes opts' filters.
func matches(p *participant.Participant, opts participant.ListOptions) bool {
	is := func(want *bool, got bool) bool { return want == nil || *want == got }
	return is(opts.Muted, p.Muted) && is(opts.Hold, p.Hold) && is(opts.Coaching, p.Coaching)
}

// CheckRef reports whether ref fits the dialect's id rules (Check),
// sending nothing, and whether it has an account or the driver a default
// one. A ref without a call (ConferenceRef.Participant("")) is checked as
// a listing's. The neutral id rules are carrierkit.Client's.
func (c *Driver) CheckRef(ref participant.Ref) error {
	_, err := c.check(participant.OpCheck, ref, nil)
	return err
}

func (c *Driver) unsupported(o participant.Op) error {
	return &participant.Error{Code: participant.CodeUnsupported, Provider: c.d.Provider, Op: o,
		Delivery: participant.DeliveryNotSent, Message: "the " + c.d.Provider + " adapter cannot " + o.String() + " participants"}
}

// url checks ref (and req) and returns op's URL and the account used.
func (c *Driver) url(opName participant.Op, op *Operation, ref participant.Ref, req *participant.UpdateRequest) (string, string, error) {
	account, err := c.check(opName, ref, req)
	if err != nil {
		return "", "", err
	}
	return op.Path.build(c.cfg.BaseURL, account, ref), account, nil
}

// check picks the account (ref's, else the default) and runs the
// dialect's Check. The neutral id rules on ref are carrierkit.Client's.
func (c *Driver) check(op participant.Op, ref participant.Ref, req *participant.UpdateRequest) (string, error) {
	account := ref.Account
	if account == "" {
		if account = c.cfg.Account; account == "" || c.accountRule != "" {
			return "", &participant.Error{Code: participant.CodeInvalidArgument, Provider: c.d.Provider, Op: op,
				Field: "Ref.Account", Message: cmp.Or(c.accountRule, "is empty and the adapter has no default account"),
				Delivery: participant.DeliveryNotSent}
		}
	}
	if c.d.Check != nil {
		var r participant.UpdateRequest
		if req != nil {
			r = *req
		}
		if field, rule := c.d.Check(account, ref, r); field != "" {
			return "", &participant.Error{Code: participant.CodeInvalidArgument, Provider: c.d.Provider,
				Op: op, Field: field, Message: rule, Delivery: participant.DeliveryNotSent}
		}
	}
	return account, nil
}

// Encode returns the form body for req: only the fields it sets, in Field
// order, booleans as true/false.
func (c *Driver) Encode(req *participant.UpdateRequest) []byte {
	b := make([]byte, 0, 160)
	add := func(f participant.Field, v string) {
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, c.wire[f]...)
		b = append(b, '=')
		b = AppendQueryEscape(b, v)
	}
	addBool := func(f participant.Field, v *bool) {
		if v != nil {
			add(f, boolString(*v))
		}
	}
	addStr := func(f participant.Field, v *string) {
		if v != nil {
			add(f, *v)
		}
	}
	addMethod := func(f participant.Field, m participant.Method) {
		if m != participant.MethodDefault {
			add(f, string(m))
		}
	}
	addBool(participant.FieldMuted, req.Muted)
	addBool(participant.FieldHold, req.Hold)
	addStr(participant.FieldHoldURL, req.HoldURL)
	addMethod(participant.FieldHoldMethod, req.HoldMethod)
	addStr(participant.FieldAnnounceURL, req.AnnounceURL)
	addMethod(participant.FieldAnnounceMethod, req.AnnounceMethod)
	addStr(participant.FieldWaitURL, req.WaitURL)
	addMethod(participant.FieldWaitMethod, req.WaitMethod)
	addBool(participant.FieldBeepOnExit, req.BeepOnExit)
	addBool(participant.FieldEndConferenceOnExit, req.EndConferenceOnExit)
	addBool(participant.FieldCoaching, req.Coaching)
	addStr(participant.FieldCallToCoach, req.CallToCoach)
	return b
}

func boolString(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// send sends r; any answer but a 2xx, and any failure to get one, is an
// *participant.Error.
func (c *Driver) send(ctx context.Context, op participant.Op, r *httpx.Request) (httpx.Response, *participant.Error) {
	if err := ctx.Err(); err != nil {
		return httpx.Response{}, c.transportError(ctx, op, 0, err)
	}
	resp, err := c.http.Do(ctx, r)
	if err != nil {
		e := c.transportError(ctx, op, resp.Attempts, err)
		switch {
		case resp.Ambiguous || resp.Status == 0 && !httpx.NotSent(err) || resp.Status >= 200 && resp.Status <= 299:
			e.Delivery = participant.DeliveryMaybe
		case resp.Status != 0: // a refusal that settles it (a 429), then the context ended: nothing more was sent
			e.Delivery = participant.DeliveryAnswered
		}
		if resp.Status != 0 { // an answer came, but its body could not be read, or the context ended after it
			e.HTTPStatus = resp.Status
			if resp.Status < 200 || resp.Status > 299 {
				e.Code = CodeForStatus(resp.Status)
			}
		}
		return resp, e
	}
	if resp.Status < 200 || resp.Status > 299 {
		return resp, c.apiError(op, resp)
	}
	return resp, nil
}

// decode turns a participant resource into a participant, filling what
// the carrier's resource leaves out from the request.
func (c *Driver) decode(op participant.Op, decode func([]byte) (*participant.Participant, error), resp httpx.Response,
	account string, ref participant.Ref) (*participant.Participant, error) {
	p, err := decode(resp.Body)
	if err == nil && p.CallID == "" {
		err = errors.New("no call id in the answer") // not a participant: a proxy's page, {} or null
	}
	if err != nil {
		return nil, c.decodeError(op, resp, err)
	}
	p.Provider = c.d.Provider
	p.Raw = resp.Body
	if p.AccountID == "" {
		p.AccountID = account
	}
	if p.ConferenceID == "" {
		p.ConferenceID = ref.Conference
	}
	return p, nil
}

func (c *Driver) decodeError(op participant.Op, resp httpx.Response, err error) *participant.Error {
	return &participant.Error{Code: participant.CodeUnknown, Provider: c.d.Provider, Op: op,
		HTTPStatus: resp.Status, Attempts: resp.Attempts, Delivery: participant.DeliveryMaybe,
		Message: "cannot decode response body: " + c.scrub.String(err.Error()), Err: err}
}

func (c *Driver) transportError(ctx context.Context, op participant.Op, attempts int, err error) *participant.Error {
	code := participant.CodeUnavailable
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		code = participant.CodeCanceled
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		code = participant.CodeDeadlineExceeded // the caller's deadline, or the client's own bounds
	case errors.Is(err, httpx.ErrBodyTooLarge):
		code = participant.CodeUnknown
	}
	return &participant.Error{Code: code, Provider: c.d.Provider, Op: op, Attempts: attempts,
		Delivery: participant.DeliveryNotSent, Message: c.scrub.String(err.Error()), Err: err}
}

func (c *Driver) apiError(op participant.Op, resp httpx.Response) *participant.Error {
	e := &participant.Error{Provider: c.d.Provider, Op: op, HTTPStatus: resp.Status, Attempts: resp.Attempts,
		Delivery: participant.DeliveryAnswered}
	if resp.Status >= 500 || resp.Ambiguous { // this answer, or an earlier attempt's, settles nothing
		e.Delivery = participant.DeliveryMaybe
	}
	// Scrubbed before decoding (the raw and escaped forms) and after (JSON
	// can spell any character as \uXXXX), so no part of the vendor's
	// error value can hold a credential a carrier or proxy echoed back.
	var vendorErr error
	e.VendorCode, e.VendorMessage, vendorErr = c.d.DecodeError(c.scrub.Bytes(resp.Body))
	e.VendorCode, e.VendorMessage = c.scrub.String(e.VendorCode), c.scrub.String(e.VendorMessage)
	if vendorErr != nil {
		c.scrub.Value(vendorErr)
		e.Err = vendorErr
	} else {
		e.Err = fmt.Errorf("HTTP %d: %s", resp.Status, http.StatusText(resp.Status))
		if foreignAnswer(resp, e) {
			e.Err = fmt.Errorf("HTTP %d: %s: %w", resp.Status, http.StatusText(resp.Status), ErrForeignAnswer)
		}
		if e.VendorMessage == "" {
			e.Message = "unexpected response: " + http.StatusText(resp.Status)
		}
	}
	if resp.Status >= 300 && resp.Status <= 399 {
		e.Message = "the carrier redirected (" + strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status) +
			") and carrierkit does not follow redirects: check the API root (BaseURL, Region, Edge)"
	}
	var ok bool
	if e.Code, ok = c.d.Codes[e.VendorCode]; !ok || e.VendorCode == "" {
		e.Code = CodeForStatus(resp.Status)
	}
	if d, ok := httpx.RetryAfter(resp.Status, resp.Header); ok {
		e.RetryAfter = d
	}
	return e
}

// ErrForeignAnswer is in the chain of an error whose answer was a 404, 405
// or 501 with a body that is not the carrier's error shape: the request
// reached something other than the carrier's API (a wrong base URL, a
// static file server), not a departed participant.
var ErrForeignAnswer = errors.New("the answer is not the carrier's error shape")

// foreignAnswer reports a 404, 405 or 501 with a body that the dialect
// decoded as neither a vendor code nor a message. An empty body, or an
// empty JSON value ({} or null: Plivo's bare 404 for a member that left),
// is the carrier's own terse answer, not a foreign one.
func foreignAnswer(resp httpx.Response, e *participant.Error) bool {
	switch resp.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		body := bytes.TrimSpace(resp.Body)
		if string(body) == "{}" || string(body) == "null" {
			return false
		}
		return e.VendorCode == "" && e.VendorMessage == "" && len(body) > 0
	}
	return false
}

// CodeForStatus maps an HTTP status to a neutral code, for errors whose
// vendor code is absent or unknown.
func CodeForStatus(status int) participant.Code {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusUnsupportedMediaType,
		http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong:
		return participant.CodeInvalidArgument
	case http.StatusUnauthorized:
		return participant.CodeUnauthenticated
	case http.StatusForbidden:
		return participant.CodePermissionDenied
	case http.StatusNotFound, http.StatusGone:
		return participant.CodeNotFound
	case http.StatusConflict, http.StatusPreconditionFailed, http.StatusLocked:
		return participant.CodeFailedPrecondition
	case http.StatusTooManyRequests:
		return participant.CodeRateLimited
	case http.StatusRequestTimeout, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, http.StatusInternalServerError:
		return participant.CodeUnavailable
	}
	return participant.CodeUnknown
}

// ParseTime parses the vendors' RFC 2822 dates ("Fri, 18 Feb 2011 21:07:19
// +0000"), also accepting RFC 1123 with a zone name and RFC 3339. Empty or
// unparseable input gives the zero time.
func ParseTime(s string) time.Time {
	if t, ok := parseRFC1123Z(s); ok {
		return t // what time.Parse(time.RFC1123Z, s) returns, without the layout walk
	}
	for _, layout := range [...]string{time.RFC1123Z, time.RFC1123, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseRFC1123Z parses s when it has RFC 1123's shape with a numeric zone
// byte for byte ("Fri, 18 Feb 2011 21:07:19 +0000": the day and month
// names as spelt there, two-digit fields, every value in range). It then
// returns what time.Parse(time.RFC1123Z, s) returns, location included:
// Local when Local has that offset at that instant, else a fixed zone
// without a name. Anything else reports false, for time.Parse to decide
// (it also takes other spellings, e.g. "fri" or a one-digit hour).
func parseRFC1123Z(s string) (time.Time, bool) {
	if len(s) != len("Mon, 02 Jan 2006 15:04:05 -0700") || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
		s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' {
		return time.Time{}, false
	}
	if !isWeekday(s[0:3]) {
		return time.Time{}, false
	}
	month := monthOf(s[8:11])
	day, ok1 := digits2(s[5:7])
	year, ok2 := digits2(s[12:14])
	yy, ok3 := digits2(s[14:16])
	hh, ok4 := digits2(s[17:19])
	mm, ok5 := digits2(s[20:22])
	ss, ok6 := digits2(s[23:25])
	zh, ok7 := digits2(s[27:29])
	zm, ok8 := digits2(s[29:31])
	year = year*100 + yy
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) || month == 0 || hh > 23 || mm > 59 || ss > 59 ||
		zh > 23 || zm > 59 || day < 1 || day > daysIn(month, year) || s[26] != '+' && s[26] != '-' {
		return time.Time{}, false
	}
	offset := (zh*60 + zm) * 60
	if s[26] == '-' {
		offset = -offset
	}
	t := time.Date(year, month, day, hh, mm, ss, 0, time.UTC).Add(-time.Duration(offset) * time.Second)
	if local := t.In(time.Local); zoneOffset(local) == offset {
		return local, true
	}
	return t.In(time.FixedZone("", offset)), true
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}

func isWeekday(s string) bool {
	switch s {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

// monthOf returns the month named s ("Jan" … "Dec"), or 0.
func monthOf(s string) time.Month {
	switch s {
	case "Jan":
		return time.January
	case "Feb":
		return time.February
	case "Mar":
		return time.March
	case "Apr":
		return time.April
	case "May":
		return time.May
	case "Jun":
		return time.June
	case "Jul":
		return time.July
	case "Aug":
		return time.August
	case "Sep":
		return time.September
	case "Oct":
		return time.October
	case "Nov":
		return time.November
	case "Dec":
		return time.December
	}
	return 0
}

// digits2 returns the value of two ASCII digits.
func digits2(s string) (int, bool) {
	a, b := s[0]-'0', s[1]-'0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int((m-1)%7%2)
}

// ParseStatus maps a vendor status to the neutral one. Twilio's "complete"
// and Telnyx's "completed" are both StatusCompleted; SignalWire's
// "in-progress" is StatusConnected.
func ParseStatus(s string) participant.Status {
	switch s {
	case "queued":
		return participant.StatusQueued
	case "connecting":
		return participant.StatusConnecting
	case "ringing":
		return participant.StatusRinging
	case "connected", "in-progress":
		return participant.StatusConnected
	case "complete", "completed":
		return participant.StatusCompleted
	case "failed":
		return participant.StatusFailed
	}
	return participant.StatusUnknown
}

// engineError returns err, made by the engine or the participant package,
// as the *participant.Error it is, to add what the caller knows; an error
// of another type (none today) is wrapped rather than panicking.
func engineError(err error) *participant.Error {
	if pe, ok := errors.AsType[*participant.Error](err); ok {
		return pe
	}
	return &participant.Error{Code: participant.CodeOf(err), Err: err}
}
