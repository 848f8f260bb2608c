package router

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/carrierkit/carrierkit/participant"
)

// State is a circuit breaker's state.
type State uint8

// Breaker states.
const (
	// StateClosed: requests flow.
	StateClosed State = iota
	// StateHalfOpen: after the cool-down, a few probes may pass.
	StateHalfOpen
	// StateOpen: nothing is sent to the endpoint.
	StateOpen
)

var stateNames = [...]string{"closed", "half-open", "open"}

// String returns "closed", "half-open" or "open".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the state's name, for JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return errors.New("router: unknown breaker state " + strconv.Quote(string(b)))
}

func stateOf(s gobreaker.State) State {
	switch s {
	case gobreaker.StateHalfOpen:
		return StateHalfOpen
	case gobreaker.StateOpen:
		return StateOpen
	}
	return StateClosed
}

// EndpointHealth is one endpoint's state and counters. Requests =
// Answers + Failures + Canceled.
type EndpointHealth struct {
	Name  string `json:"name"`
	State State  `json:"state"`
	// Since is when the state last changed (the router's start at first).
	Since time.Time `json:"since"`
	// Changes counts the breaker's state changes.
	Changes int `json:"changes"`
	// ConsecutiveFailures counts the unhealthy-endpoint failures since the
	// endpoint last answered.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// LastCode is the neutral code of the last error, and LastError when
	// it happened (zero: no error yet; LastCode is then meaningless, not
	// "unknown"). JSON writes LastCode as last_code, e.g. "unavailable",
	// and leaves both out for an endpoint that never failed.
	LastCode  participant.Code `json:"-"`
	LastError time.Time        `json:"last_error,omitzero"`
	// Requests counts the attempts sent; Answers those the endpoint
	// answered (2xx or 4xx); Failures the unhealthy-endpoint failures the
	// breaker counted; Canceled those the caller's context ended.
	Requests int `json:"requests"`
	Answers  int `json:"answers"`
	Failures int `json:"failures"`
	Canceled int `json:"canceled"`
	// Skipped counts the attempts not sent because the breaker was open
	// (this instance's or, with Options.Shared, the fleet's).
	Skipped int `json:"skipped"`
	// Source says whose verdict State is: SourceInstance (this instance's
	// breaker) or SourceFleet (another instance's, through Options.Shared).
	Source string `json:"source,omitempty"`
}

// endpointHealthJSON is EndpointHealth with its last error's code by name.
type endpointHealthJSON struct {
	healthFields
	LastCode string `json:"last_code,omitempty"`
}

// healthFields has EndpointHealth's fields without its methods.
type healthFields EndpointHealth

// MarshalJSON writes h with last_code, the name of its last error's code
// ("unavailable"), when it has failed.
func (h EndpointHealth) MarshalJSON() ([]byte, error) {
	j := endpointHealthJSON{healthFields: healthFields(h)}
	if !h.LastError.IsZero() {
		j.LastCode = h.LastCode.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *EndpointHealth) UnmarshalJSON(b []byte) error {
	var j endpointHealthJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*h = EndpointHealth(j.healthFields)
	if j.LastCode != "" {
		c, ok := parseCode(j.LastCode)
		if !ok {
			return errors.New("router: unknown last_code " + strconv.Quote(j.LastCode))
		}
		h.LastCode = c
	}
	return nil
}

// CarrierHealth is one carrier's endpoints, in order.
type CarrierHealth struct {
	Name      string           `json:"name"`
	Provider  string           `json:"provider"`
	Endpoints []EndpointHealth `json:"endpoints"`
}

// Healthy reports whether at least one endpoint's breaker is not open:
// a hint for where to place new calls.
func (c CarrierHealth) Healthy() bool {
	for _, e := range c.Endpoints {
		if e.State != StateOpen {
			return true
		}
	}
	return false
}

// Health returns a snapshot of every carrier's endpoints, carriers sorted
// by name. An open breaker whose cool-down has passed shows half-open.
func (r *Router) Health() []CarrierHealth {
	out := make([]CarrierHealth, len(r.carriers))
	for i, c := range r.carriers {
		ch := CarrierHealth{Name: c.name, Provider: c.caps.Provider, Endpoints: make([]EndpointHealth, len(c.endpoints))}
		for j, ep := range c.endpoints {
			ep.cb.State() // moves open to half-open once the cool-down is over
			ep.tryFlush(r)
			ep.mu.Lock()
			ch.Endpoints[j] = ep.health
			ep.mu.Unlock()
			r.fleetHealth(c, &ch.Endpoints[j])
		}
		out[i] = ch
	}
	return out
}

// AttemptEvent is one attempt on one endpoint, or one endpoint skipped
// because its breaker was open.
type AttemptEvent struct {
	Carrier string
	// Endpoint is the endpoint's name, its host for endpoints from a
	// config file.
	Endpoint string
	Op       participant.Op // "update", "fetch", "remove", "list"
	// Attempt numbers the requests sent in this call, from 1 (0: skipped).
	Attempt int
	Outcome Outcome
	// Code is the error's neutral code; CodeUnknown when Err is nil.
	Code    participant.Code
	Latency time.Duration
	// Err is the attempt's error as the endpoint's driver returned it,
	// nil on success; the call's error, which the client stamps with the
	// operation and the provider, is the carrierkit.Observer's. It never
	// holds credentials.
	Err error
}

// StateChangeEvent is one breaker state change.
type StateChangeEvent struct {
	Carrier, Endpoint string
	From, To          State
	At                time.Time
	// LastCode is the code of the endpoint's last error when it changed.
	LastCode participant.Code
}

// Observer gets every attempt and every breaker change, so metrics or
// tracing can hang on the router without carrierkit depending on a
// metrics library. It sees inside a call: a carrierkit.Observer on the
// router's client (carrierkit.WithObserver) gets one Event per call of the
// application, however many attempts the router made for it, and this
// Observer gets each of those attempts (and each endpoint skipped). Methods are called synchronously from the calling
// goroutine, and may be called concurrently: keep them fast. One
// endpoint's state changes arrive in the order they happened. An Observer
// may call Health.
type Observer interface {
	Attempt(AttemptEvent)
	StateChange(StateChangeEvent)
}

// parseCode finds the code whose String is name.
func parseCode(name string) (participant.Code, bool) {
	for c := participant.Code(0); c < 255; c++ {
		if s := c.String(); s == name {
			return c, true
		} else if strings.HasPrefix(s, "code(") {
			break
		}
	}
	return 0, false
}
