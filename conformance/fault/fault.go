// Package fault is carrierkit's one model of an injected failure. The same
// Fault value is applied by the vendor fakes (providers/*/*test: Server.Fail),
// by the emulator (POST /_emulator/faults and carrierctl emulate --fault,
// parsed by Parse) and by the conformance suite's fakes and its proxy,
// which injects the connection kinds (Refuse, Drop, Reset, Hang,
// Truncate, Trickle) between the adapter and the fake.
//
// A Fault answers with an error (Status, with the vendor's error body or
// Body), with a malformed success (Malformed), cuts an answer short
// (Truncate) or never finishes it (Trickle), or fails the connection (Drop,
// Reset, Hang, Refuse), after an optional Delay; Times says for how many
// requests. The package imports only the standard library.
package fault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure injected into the next Times answers. Faults queue
// FIFO; the head fault serves requests until its Times run out.
type Fault struct {
	// Provider is the vendor the emulator queues the fault on (its
	// provider name, e.g. "twilio"); a fake or the conformance proxy has
	// one vendor and ignores it.
	Provider string `json:"provider,omitempty"`
	// Status answers with this HTTP status (200 to 599) and the vendor's
	// error body, built from Code and Message, or Body when set.
	Status int `json:"status,omitempty"`
	// Code is the vendor error code, e.g. "20429" (Twilio, rendered as a
	// JSON number) or "10011" (Telnyx, a string); the vendor's default for
	// Status when empty.
	Code string `json:"code,omitempty"`
	// Message is the vendor's error message (or title); a per-status
	// default when empty.
	Message string `json:"message,omitempty"`
	// Body, when set, is sent as is instead of the vendor's error body,
	// with Status (200 when 0): an HTML error page, a body that is not
	// JSON.
	Body string `json:"body,omitempty"`
	// RetryAfter is sent as the Retry-After header: seconds or an HTTP
	// date, or anything else a hostile server sends.
	RetryAfter string `json:"retry_after,omitempty"`
	// Delay waits before answering (or failing); a request whose context
	// ends first gets no answer. A Fault with only a Delay delays one
	// answer and lets the request through. In JSON a Go duration, "2s".
	Delay time.Duration `json:"delay,omitempty"`
	// Drop reads the request and closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Reset reads the request and resets the connection (TCP RST) without
	// an answer.
	Reset bool `json:"reset,omitempty"`
	// Malformed answers 200 with a truncated JSON body (a whole HTTP
	// answer whose body is not valid JSON).
	Malformed bool `json:"malformed,omitempty"`
	// Truncate serves the request (an update applies) and cuts its answer
	// (or the Status answer, when set) short: the headers announce the
	// whole body, half of it is sent, and the connection is closed, or
	// reset when Reset is set too.
	Truncate bool `json:"truncate,omitempty"`
	// Trickle, when above 0, answers 200 with headers announcing a large
	// body and then sends one space every Trickle, never the whole body,
	// until the client gives up. The request is not served. In JSON a Go
	// duration, "20ms".
	Trickle time.Duration `json:"trickle,omitempty"`
	// Hang reads the request and never answers, until the client gives up
	// or the server stops.
	Hang bool `json:"hang,omitempty"`
	// Refuse refuses connections. The conformance proxy refuses the next
	// Times dials; an emulator closes the listener of endpoint Endpoint,
	// for every provider, until the faults are cleared (it needs
	// emulate --endpoints N and takes no Provider).
	Refuse bool `json:"refuse,omitempty"`
	// Endpoint, when not 0, limits the fault to the endpoint of that
	// number (1-based) of a fake or an emulator served on several; other
	// requests pass it by.
	Endpoint int `json:"endpoint,omitempty"`
	// Times is how many requests (for Refuse: dials) the fault serves: 0
	// means 1, -1 until the faults are cleared.
	Times int `json:"times,omitempty"`
}

// Load makes a fake behave like a carrier under load: every request waits
// Latency before it is answered, and a request that finds MaxConcurrent
// requests of its account already in flight is answered 429 at once, in
// the vendor's shape.
type Load struct {
	// MaxConcurrent is the per-account limit of requests in flight (0: none).
	MaxConcurrent int
	// Latency is added to every answer.
	Latency time.Duration
}

// Validate reports a fault that cannot be applied: a status outside 200 to
// 599, a negative delay, trickle or endpoint, Times below -1, more than one
// way to fail at once (an answer, Malformed, Drop, Reset, Hang, Refuse,
// Trickle, Truncate; Truncate takes an answer and Reset), or a fault that
// does nothing. The error names the field.
func (f Fault) Validate() error {
	var kinds []string
	for _, k := range []struct {
		set  bool
		name string
	}{{(f.Status != 0 || f.Body != "") && !f.Truncate, "status"}, {f.Malformed, "malformed"}, {f.Drop, "drop"},
		{f.Reset && !f.Truncate, "reset"}, {f.Hang, "hang"}, {f.Refuse, "refuse"}, {f.Trickle != 0, "trickle"},
		{f.Truncate, "truncate"}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("status %d: want 200 to 599", f.Status)
	case f.Delay < 0:
		return fmt.Errorf("delay %s: want 0 or more", f.Delay)
	case f.Trickle < 0:
		return fmt.Errorf("trickle %s: want an interval above 0", f.Trickle)
	case f.Times < -1:
		return errors.New("times: want a count, 0 for once or -1 for until cleared")
	case f.Endpoint < 0:
		return errors.New("endpoint: want 0 for all or an endpoint number from 1")
	case len(kinds) > 1:
		return fmt.Errorf("%s: a fault fails one way; set one of status (or body), malformed, drop, reset, hang, refuse, trickle or truncate (with a status or reset)",
			strings.Join(kinds, " and "))
	case len(kinds) == 0 && f.Delay == 0:
		return errors.New("fault does nothing: set status, drop, reset, malformed, hang, refuse, trickle, truncate or delay")
	}
	return nil
}

// Truncated returns what a Truncate fault sends of an answer: its status
// line and headers, announcing the whole body (Content-Length), and the
// first half of the body; of an answer without a body, the first half of
// its head. The fakes and the conformance proxy cut answers with it.
func Truncated(status int, header http.Header, body []byte) []byte {
	var full bytes.Buffer
	_ = (&http.Response{StatusCode: status, ProtoMajor: 1, ProtoMinor: 1, Header: header,
		ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}).Write(&full)
	if len(body) == 0 {
		return full.Bytes()[:full.Len()/2]
	}
	return full.Bytes()[:full.Len()-(len(body)-len(body)/2)]
}

// DefaultTrickle is the interval of Parse's "trickle".
const DefaultTrickle = time.Second

// Parse parses a fault as carrierctl emulate --fault takes it:
// PROVIDER:KIND[:TIMES][@ENDPOINT], where KIND is an HTTP status (503),
// "drop", "reset", "malformed", "hang", "truncate" or "trickle" (a space a
// second: DefaultTrickle), TIMES a count or "always", and
// ENDPOINT the 1-based endpoint the fault is limited to; or
// refuse@ENDPOINT, which makes one endpoint refuse connections until the
// faults are cleared. Examples: twilio:503:2, texml:malformed,
// twilio:429:always, twilio:hang:always@1, refuse@1.
func Parse(s string) (Fault, error) {
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
		return Fault{}, fmt.Errorf("fault %q: want PROVIDER:STATUS|drop|reset|malformed|hang|truncate|trickle[:TIMES|always][@ENDPOINT] or refuse@ENDPOINT", s)
	}
	f.Provider = parts[0]
	switch kind := parts[1]; kind {
	case "drop":
		f.Drop = true
	case "reset":
		f.Reset = true
	case "malformed":
		f.Malformed = true
	case "hang":
		f.Hang = true
	case "truncate":
		f.Truncate = true
	case "trickle":
		f.Trickle = DefaultTrickle
	default:
		n, err := strconv.Atoi(kind)
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: kind must be an HTTP status, drop, reset, malformed, hang, truncate or trickle", s)
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
	if err := f.Validate(); err != nil {
		return Fault{}, fmt.Errorf("fault %q: %w", s, err)
	}
	return f, nil
}

// MarshalJSON writes delay and trickle as Go durations ("2s"), as
// UnmarshalJSON reads them.
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	w := struct {
		plain
		Delay   string `json:"delay,omitempty"`
		Trickle string `json:"trickle,omitempty"`
	}{plain: plain(f)}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	if f.Trickle != 0 {
		w.Trickle = f.Trickle.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads delay and trickle as Go durations and retry_after
// as a string or a number of seconds; unknown keys are errors.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var w struct {
		plain
		RetryAfter json.RawMessage `json:"retry_after,omitempty"`
		Delay      string          `json:"delay,omitempty"`
		Trickle    string          `json:"trickle,omitempty"`
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
	if w.Trickle != "" {
		d, err := time.ParseDuration(w.Trickle)
		if err != nil {
			return fmt.Errorf("trickle: invalid duration %q", w.Trickle)
		}
		f.Trickle = d
	}
	return nil
}
