// Package adapter is the engine behind every carrierkit HTTP adapter:
// validation, capability checks, URL building with per-segment escaping,
// form encoding, error mapping and decoding live here once. A vendor
// package supplies only a Dialect: its wire names, id rules, URL root,
// response and error body shapes, and its error codes.
package adapter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// Dialect is what is truly one vendor's.
type Dialect struct {
	// Provider is the adapter's name, e.g. "twilio".
	Provider string
	// Labels reports whether Ref.Call may be a participant label.
	Labels bool
	// Wire maps each field the vendor accepts to its form parameter name.
	// Fields absent here are unsupported and refused before sending.
	Wire map[participant.Field]string
	// Root and Suffix frame the participant path:
	// {base}{Root}/Accounts/{a}/Conferences/{c}/Participants/{call}{Suffix}.
	Root, Suffix string
	// Check, when set, applies the vendor's id and value rules before
	// sending; it returns the offending field and the rule, or "", "". A
	// fetch passes the zero request. (By value: a pointer passed through a
	// func value would move every request to the heap.)
	Check func(account string, ref participant.Ref, req participant.UpdateRequest) (field, rule string)
	// Decode turns a 2xx body into a participant (Provider and Raw are
	// filled by the engine).
	Decode func(body []byte) (*participant.Participant, error)
	// DecodeError turns an error body into the vendor's error value, its
	// code and message; vendorErr is nil when the body is not the vendor's
	// shape.
	DecodeError func(body []byte) (vendorErr error, code, message string)
	// Codes maps vendor error codes to neutral codes; codes not listed fall
	// back to the HTTP status.
	Codes map[string]participant.Code
}

// Config is the per-instance part of an adapter.
type Config struct {
	BaseURL string // without trailing slash
	Account string // default account for refs that leave it empty
	// Authorization is the header value sent with every request.
	Authorization string
	// Secrets are scrubbed from every error message.
	Secrets []string
	// HTTP are the caller's HTTP options (client, logger, retries, …).
	HTTP providers.Options
}

// Client implements participant.Updater and participant.Fetcher.
type Client struct {
	d       *Dialect
	cfg     Config
	caps    participant.Capabilities
	wire    []string // indexed by participant.Field
	http    *httpx.Client
	secrets []string
}

// New returns a Client speaking d with cfg.
func New(d *Dialect, cfg Config) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	c := &Client{d: d, cfg: cfg, http: httpx.New(httpx.Options{Provider: d.Provider, Options: cfg.HTTP}),
		caps: participant.Capabilities{Provider: d.Provider, Labels: d.Labels,
			Ops: participant.NewOpSet(participant.OpFetch)}}
	all := participant.AllFields()
	c.wire = make([]string, len(all))
	for _, f := range all {
		if name := d.Wire[f]; name != "" {
			c.wire[f] = name
			c.caps.Fields |= participant.NewFieldSet(f)
		}
	}
	for _, s := range cfg.Secrets {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	return c
}

// CloseIdleConnections closes the idle connections of the client's transport.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Capabilities reports the fields the dialect carries; Fetch is supported.
func (c *Client) Capabilities() participant.Capabilities { return c.caps }

// Update validates req, then POSTs it as a form.
func (c *Client) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	if err := participant.Validate(&req, c.caps); err != nil {
		return nil, err
	}
	u, err := c.url("update", ref, &req)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, "update", &httpx.Request{Method: http.MethodPost, URL: u, Form: c.Encode(&req),
		Authorization: c.cfg.Authorization, Idempotent: req.Idempotent()})
}

// Fetch GETs the participant.
func (c *Client) Fetch(ctx context.Context, ref participant.Ref) (*participant.Participant, error) {
	u, err := c.url("fetch", ref, nil)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, "fetch", &httpx.Request{Method: http.MethodGet, URL: u,
		Authorization: c.cfg.Authorization, Idempotent: true})
}

// CheckRef reports whether ref fits the dialect's id rules, sending nothing.
func (c *Client) CheckRef(ref participant.Ref) error {
	_, err := c.url("check", ref, nil)
	return err
}

func (c *Client) url(op string, ref participant.Ref, req *participant.UpdateRequest) (string, error) {
	account, err := participant.ValidateRef(ref, c.cfg.Account, c.caps)
	if err != nil {
		err.(*participant.Error).Op = op
		return "", err
	}
	if c.d.Check != nil {
		var r participant.UpdateRequest
		if req != nil {
			r = *req
		}
		if field, rule := c.d.Check(account, ref, r); field != "" {
			return "", &participant.Error{Code: participant.CodeInvalidArgument, Provider: c.d.Provider,
				Op: op, Field: field, Message: rule}
		}
	}
	return c.buildURL(account, ref), nil
}

// buildURL returns {base}{Root}/Accounts/{a}/Conferences/{c}/Participants/{call}{Suffix}
// in one allocation: the size is exact when no byte needs escaping.
func (c *Client) buildURL(account string, ref participant.Ref) string {
	var b strings.Builder
	b.Grow(len(c.cfg.BaseURL) + len(c.d.Root) + len("/Accounts//Conferences//Participants/") +
		len(account) + len(ref.Conference) + len(ref.Call) + len(c.d.Suffix))
	b.WriteString(c.cfg.BaseURL)
	b.WriteString(c.d.Root)
	b.WriteString("/Accounts/")
	writePathSegment(&b, account)
	b.WriteString("/Conferences/")
	writePathSegment(&b, ref.Conference)
	b.WriteString("/Participants/")
	writePathSegment(&b, ref.Call)
	b.WriteString(c.d.Suffix)
	return b.String()
}

// writePathSegment writes s escaped as one path segment (AppendPathSegment).
func writePathSegment(b *strings.Builder, s string) {
	clean, dots := scanSegment(s)
	if clean && !dots {
		b.WriteString(s)
		return
	}
	var buf [128]byte
	b.Write(appendEscapedSegment(buf[:0], s, dots))
}

// Encode returns the form body for req: only the fields it sets, in Field
// order, booleans as true/false.
func (c *Client) Encode(req *participant.UpdateRequest) []byte {
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

func (c *Client) do(ctx context.Context, op string, r *httpx.Request) (*participant.Participant, error) {
	if err := ctx.Err(); err != nil {
		return nil, c.transportError(ctx, op, 0, err)
	}
	resp, err := c.http.Do(ctx, r)
	if err != nil {
		e := c.transportError(ctx, op, resp.Attempts, err)
		if resp.Status != 0 { // an answer came, but its body could not be read
			e.HTTPStatus = resp.Status
			if resp.Status < 200 || resp.Status > 299 {
				e.Code = CodeForStatus(resp.Status)
			}
		}
		return nil, e
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, c.apiError(op, resp)
	}
	p, err := c.d.Decode(resp.Body)
	if err == nil && p.CallID == "" {
		err = errors.New("no call id in the answer") // not a participant: a proxy's page, {} or null
	}
	if err != nil {
		return nil, &participant.Error{Code: participant.CodeUnknown, Provider: c.d.Provider, Op: op,
			HTTPStatus: resp.Status, Attempts: resp.Attempts,
			Message: "cannot decode response body: " + c.scrub(err.Error()), Err: err}
	}
	p.Provider = c.d.Provider
	p.Raw = resp.Body
	return p, nil
}

func (c *Client) transportError(ctx context.Context, op string, attempts int, err error) *participant.Error {
	code := participant.CodeUnavailable
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		code = participant.CodeCanceled
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		code = participant.CodeDeadlineExceeded
	case errors.Is(err, httpx.ErrBodyTooLarge):
		code = participant.CodeUnknown
	}
	return &participant.Error{Code: code, Provider: c.d.Provider, Op: op, Attempts: attempts,
		Message: c.scrub(err.Error()), Err: err}
}

func (c *Client) apiError(op string, resp httpx.Response) error {
	e := &participant.Error{Provider: c.d.Provider, Op: op, HTTPStatus: resp.Status, Attempts: resp.Attempts}
	// Scrubbed before decoding, so no part of the vendor's error value can
	// hold a credential a carrier or proxy echoed back.
	var vendorErr error
	vendorErr, e.VendorCode, e.VendorMessage = c.d.DecodeError(c.scrubBytes(resp.Body))
	if vendorErr != nil {
		e.Err = vendorErr
	} else {
		e.Err = fmt.Errorf("HTTP %d: %s", resp.Status, http.StatusText(resp.Status))
		if e.VendorMessage == "" {
			e.Message = "unexpected response: " + http.StatusText(resp.Status)
		}
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

func (c *Client) scrubBytes(b []byte) []byte { return Scrub(b, c.secrets) }

func (c *Client) scrub(s string) string { return ScrubString(s, c.secrets) }

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
	for _, layout := range [...]string{time.RFC1123Z, time.RFC1123, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// ParseStatus maps a vendor status to the neutral one. Twilio's "complete"
// and Telnyx's "completed" are both StatusCompleted.
func ParseStatus(s string) participant.Status {
	switch s {
	case "queued":
		return participant.StatusQueued
	case "connecting":
		return participant.StatusConnecting
	case "ringing":
		return participant.StatusRinging
	case "connected":
		return participant.StatusConnected
	case "complete", "completed":
		return participant.StatusCompleted
	case "failed":
		return participant.StatusFailed
	}
	return participant.StatusUnknown
}

// TwilioStyleWire returns the form names Twilio's API uses for every field
// (Muted, HoldUrl, CallSidToCoach, …), less the fields in except. Telnyx
// TeXML and other Twilio-compatible APIs use the same names.
func TwilioStyleWire(except ...participant.Field) map[participant.Field]string {
	m := map[participant.Field]string{
		participant.FieldMuted:               "Muted",
		participant.FieldHold:                "Hold",
		participant.FieldHoldURL:             "HoldUrl",
		participant.FieldHoldMethod:          "HoldMethod",
		participant.FieldAnnounceURL:         "AnnounceUrl",
		participant.FieldAnnounceMethod:      "AnnounceMethod",
		participant.FieldWaitURL:             "WaitUrl",
		participant.FieldWaitMethod:          "WaitMethod",
		participant.FieldBeepOnExit:          "BeepOnExit",
		participant.FieldEndConferenceOnExit: "EndConferenceOnExit",
		participant.FieldCoaching:            "Coaching",
		participant.FieldCallToCoach:         "CallSidToCoach",
	}
	for _, f := range except {
		delete(m, f)
	}
	return m
}

// IsSID reports whether s is a Twilio-style SID: the two-letter prefix and
// 32 hex digits.
func IsSID(s, prefix string) bool {
	if len(s) != 34 || s[:2] != prefix {
		return false
	}
	for i := 2; i < 34; i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
