package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/carrierkit/carrierkit/conformance/fault"
)

// Fault is a failure injected into a vendor's next answers, as POST
// /_emulator/faults and carrierctl emulate --fault take it: the one fault
// model of the fakes and the conformance suite. Faults queue per vendor;
// the head fault serves requests until its Times run out. Refuse closes
// an endpoint's listener instead.
type Fault = fault.Fault

// Inject queues f on its vendor, or makes an endpoint refuse connections.
func (e *Emulator) Inject(f Fault) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if f.Refuse {
		return e.refuse(f)
	}
	v, err := e.Vendor(f.Provider)
	if err != nil {
		return err
	}
	if set := e.endpoints.Load(); f.Endpoint > 0 && (set == nil || f.Endpoint > len(set.eps)) {
		return fmt.Errorf("endpoint %d: the emulator serves %d endpoint(s)", f.Endpoint, e.endpointCount())
	}
	v.Server.Fail(f)
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
