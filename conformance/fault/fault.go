// Package fault is carrierkit's one model of an injected failure. The same
// Fault value is applied by the vendor fakes (providers/*/*test: Server.Fail),
// by the emulator (POST /_emulator/faults and carrierctl emulate --fault,
// parsed by Parse) and by the conformance suite's fakes and its proxy,
// which injects the connection kinds (Refuse, Drop, Reset, Hang) between
// the adapter and the fake.
//
// A Fault answers with an error (Status, with the vendor's error body or
// Body), with a malformed success (Malformed), or fails the connection
// (Drop, Reset, Hang, Refuse), after an optional Delay; Times says for how
// many requests. The package imports only the standard library.
package fault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// Malformed answers 200 with a truncated JSON body.
	Malformed bool `json:"malformed,omitempty"`
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
// 599, a negative delay or endpoint, Times below -1, more than one way to
// fail at once (an answer, Malformed, Drop, Reset, Hang, Refuse), or a
// fault that does nothing. The error names the field.
func (f Fault) Validate() error {
	var kinds []string
	for _, k := range []struct {
		set  bool
		name string
	}{{f.Status != 0 || f.Body != "", "status"}, {f.Malformed, "malformed"}, {f.Drop, "drop"}, {f.Reset, "reset"},
		{f.Hang, "hang"}, {f.Refuse, "refuse"}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("status %d: want 200 to 599", f.Status)
	case f.Delay < 0:
		return fmt.Errorf("delay %s: want 0 or more", f.Delay)
	case f.Times < -1:
		return errors.New("times: want a count, 0 for once or -1 for until cleared")
	case f.Endpoint < 0:
		return errors.New("endpoint: want 0 for all or an endpoint number from 1")
	case len(kinds) > 1:
		return fmt.Errorf("%s: a fault fails one way; set one of status (or body), malformed, drop, reset, hang or refuse",
			strings.Join(kinds, " and "))
	case len(kinds) == 0 && f.Delay == 0:
		return errors.New("fault does nothing: set status, drop, reset, malformed, hang, refuse or delay")
	}
	return nil
}

// Parse parses a fault as carrierctl emulate --fault takes it:
// PROVIDER:KIND[:TIMES][@ENDPOINT], where KIND is an HTTP status (503),
// "drop", "reset", "malformed" or "hang", TIMES a count or "always", and
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
		return Fault{}, fmt.Errorf("fault %q: want PROVIDER:STATUS|drop|reset|malformed|hang[:TIMES|always][@ENDPOINT] or refuse@ENDPOINT", s)
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
	default:
		n, err := strconv.Atoi(kind)
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: kind must be an HTTP status, drop, reset, malformed or hang", s)
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

// MarshalJSON writes delay as a Go duration ("2s"), as UnmarshalJSON
// reads it.
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	w := struct {
		plain
		Delay string `json:"delay,omitempty"`
	}{plain: plain(f)}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
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
