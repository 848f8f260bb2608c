package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// Fault is a failure injected into a vendor's next answers, as POST
// /_emulator/faults and carrierctl emulate --fault take it. Faults queue per
// vendor; the head fault serves requests until its Times run out.
type Fault struct {
	Provider string `json:"provider"`
	// Status answers with this HTTP status and the vendor's error body;
	// Code and Message override the vendor code and text.
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// RetryAfter is sent as the Retry-After header: seconds or an HTTP date.
	RetryAfter string `json:"retry_after,omitempty"`
	// Delay waits before answering (a Go duration in JSON, e.g. "2s").
	Delay time.Duration `json:"delay,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool `json:"malformed,omitempty"`
	// Hang accepts the request and never answers (until the client gives
	// up or the emulator stops).
	Hang bool `json:"hang,omitempty"`
	// Refuse closes endpoint Endpoint's listener, so connections to it are
	// refused, for every provider, until the faults are cleared. It needs
	// ServeEndpoints (emulate --endpoints N) and takes no provider.
	Refuse bool `json:"refuse,omitempty"`
	// Endpoint, when not 0, limits the fault to the endpoint of that
	// number (1-based) of an emulator serving several.
	Endpoint int `json:"endpoint,omitempty"`
	// Times is how many requests the fault serves: 0 means 1, -1 until
	// the faults are cleared.
	Times int `json:"times,omitempty"`
}

// UnmarshalJSON reads delay as a Go duration and retry_after as a string
// or a number of seconds; unknown keys are errors.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var w struct {
		plain
		RetryAfter json.RawMessage `json:"retry_after,omitempty"`
		Delay      string          `json:"delay,omitempty"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	*f = Fault(w.plain)
	if len(w.RetryAfter) > 0 {
		var n json.Number
		if json.Unmarshal(w.RetryAfter, &f.RetryAfter) != nil {
			if err := json.Unmarshal(w.RetryAfter, &n); err != nil {
				return errors.New("retry_after: want seconds or an HTTP date")
			}
			f.RetryAfter = n.String()
		}
	}
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return fmt.Errorf("delay: invalid duration %q", w.Delay)
		}
		f.Delay = d
	}
	return nil
}

// ParseFault parses the --fault flag: PROVIDER:KIND[:TIMES][@ENDPOINT],
// where KIND is an HTTP status (503), "drop", "malformed" or "hang", TIMES
// a count or "always", and ENDPOINT the 1-based endpoint the fault is
// limited to; or refuse@ENDPOINT, which makes one endpoint refuse
// connections until the faults are cleared. Examples: twilio:503:2,
// texml:malformed, twilio:429:always, twilio:hang:always@1, refuse@1.
func ParseFault(s string) (Fault, error) {
	spec, at, hasAt := strings.Cut(s, "@")
	var f Fault
	if hasAt {
		n, err := strconv.Atoi(at)
		if err != nil || n < 1 {
			return Fault{}, fmt.Errorf("fault %q: the endpoint after @ must be a number from 1", s)
		}
		f.Endpoint = n
	}
	if spec == "refuse" {
		if !hasAt {
			return Fault{}, fmt.Errorf("fault %q: refuse needs an endpoint, e.g. refuse@1", s)
		}
		f.Refuse = true
		return f, nil
	}
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return Fault{}, fmt.Errorf("fault %q: want PROVIDER:STATUS|drop|malformed|hang[:TIMES|always][@ENDPOINT] or refuse@ENDPOINT", s)
	}
	f.Provider = parts[0]
	switch kind := parts[1]; kind {
	case "drop":
		f.Drop = true
	case "malformed":
		f.Malformed = true
	case "hang":
		f.Hang = true
	default:
		n, err := strconv.Atoi(kind)
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: kind must be an HTTP status, drop, malformed or hang", s)
		}
		f.Status = n
	}
	if len(parts) == 3 {
		if parts[2] == "always" {
			f.Times = -1
		} else if n, err := strconv.Atoi(parts[2]); err != nil || n < 1 {
			return Fault{}, fmt.Errorf("fault %q: times must be a positive count or always", s)
		} else {
			f.Times = n
		}
	}
	return f, nil
}

// Inject queues f on its vendor, or makes an endpoint refuse connections.
func (e *Emulator) Inject(f Fault) error {
	if f.Refuse {
		return e.refuse(f)
	}
	v, err := e.Vendor(f.Provider)
	switch {
	case err != nil:
		return err
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("status %d: want 200 to 599", f.Status)
	case f.Times < -1:
		return errors.New("times: want a count, 0 for once or -1 for until cleared")
	case f.Status == 0 && !f.Drop && !f.Malformed && !f.Hang && f.Delay <= 0:
		return errors.New("fault does nothing: set status, drop, malformed, hang or delay")
	case f.Endpoint < 0:
		return errors.New("endpoint: want 0 for all or an endpoint number from 1")
	}
	if set := e.endpoints.Load(); f.Endpoint > 0 && (set == nil || f.Endpoint > len(set.eps)) {
		return fmt.Errorf("endpoint %d: the emulator serves %d endpoint(s)", f.Endpoint, e.endpointCount())
	}
	v.Server.Fail(vendorfake.Fault{Status: f.Status, Code: f.Code, Message: f.Message, RetryAfter: f.RetryAfter,
		Delay: f.Delay, Drop: f.Drop, Malformed: f.Malformed, Hang: f.Hang, Endpoint: f.Endpoint, Times: f.Times})
	return nil
}

// ClearFaults drops every queued fault of every vendor, and lets refusing
// endpoints accept connections again.
func (e *Emulator) ClearFaults() {
	for _, v := range e.vendors {
		v.Server.ClearFaults()
	}
	if set := e.endpoints.Load(); set != nil {
		set.restoreAll()
	}
}

func (e *Emulator) handleFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&f)
	if err == nil {
		err = e.Inject(f)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Request is a recorded request without its credentials.
type Request struct {
	Provider string `json:"provider"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Query    string `json:"query,omitempty"`
	// Auth is the Authorization scheme only, e.g. "Basic"; never the
	// credential: "(no scheme)" or "(unknown scheme)" when the value does
	// not start with a well-known scheme.
	Auth        string `json:"auth,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	UserAgent   string `json:"user_agent,omitempty"`
	// Body is the form as sent, e.g. "Muted=true&Hold=false": its first
	// vendorfake.MaxBody bytes.
	Body string `json:"body,omitempty"`
	// Truncated reports a body over vendorfake.MaxBody, which the vendor
	// answered 413.
	Truncated bool `json:"truncated,omitempty"`
	// Endpoint is the endpoint (1-based) the request arrived on, when the
	// emulator serves several.
	Endpoint int `json:"endpoint,omitempty"`
	// Status is the answer's status; 0 while in flight or when none was
	// sent (hang, drop).
	Status int `json:"status,omitempty"`
}

// Requests returns the requests provider's fake received, oldest first:
// the newest vendorfake.DefaultMaxRequests per vendor. Provider "" means
// every vendor's, vendor by vendor. No credential is shown: of the
// Authorization header, only a well-known scheme.
func (e *Emulator) Requests(provider string) ([]Request, error) {
	vendors := e.vendors
	if provider != "" {
		v, err := e.Vendor(provider)
		if err != nil {
			return nil, err
		}
		vendors = []*Vendor{v}
	}
	out := []Request{}
	for _, v := range vendors {
		for _, r := range v.Server.Requests() {
			out = append(out, Request{Provider: v.Name, Method: r.Method, Path: r.Path, Query: r.RawQuery,
				Auth: authScheme(r.Header.Get("Authorization")), ContentType: r.Header.Get("Content-Type"), UserAgent: r.Header.Get("User-Agent"),
				Body: string(r.Body), Truncated: r.Truncated, Endpoint: r.Endpoint, Status: r.Status})
		}
	}
	return out, nil
}

// ResetRequests forgets every vendor's recorded requests.
func (e *Emulator) ResetRequests() {
	for _, v := range e.vendors {
		v.Server.ResetRequests()
	}
}

// authSchemes are the Authorization schemes shown by name.
var authSchemes = []string{"Basic", "Bearer", "Digest", "Token"}

// authScheme returns the scheme of an Authorization value, and never the
// credential: a value without a scheme gives "(no scheme)", and one whose
// first word is not a well-known scheme "(unknown scheme)", as that word may
// be a secret.
func authScheme(v string) string {
	scheme, _, ok := strings.Cut(v, " ")
	switch {
	case v == "":
		return ""
	case !ok:
		return "(no scheme)"
	}
	for _, s := range authSchemes {
		if strings.EqualFold(scheme, s) {
			return s
		}
	}
	return "(unknown scheme)"
}
