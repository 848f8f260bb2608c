package httpdriver

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// CheckSecret checks a credential: set, valid UTF-8, and without control
// characters (C0 such as CR, LF and NUL, DEL, C1), which no carrier issues
// and which would break or forge the Authorization header. Errors never
// repeat the value.
func CheckSecret(provider, field, v string) error {
	if v == "" {
		return driver.ConfigError(provider, field, "must be set")
	}
	if rule := participant.TextRule(v); rule != "" {
		return driver.ConfigError(provider, field, rule)
	}
	return nil
}

// Basic returns the Config of a carrier that authenticates every request
// with HTTP Basic as user:secret, sending to base with account as the
// default of refs that leave Ref.Account empty. The secret (also inside
// the Basic token) is scrubbed from errors and logs.
func Basic(base, account, user, secret string, opts driver.Options) Config {
	return Config{BaseURL: base, Account: account, HTTP: opts,
		Authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret)),
		Secrets:       []Secret{{User: user, Value: secret}}}
}

// CheckOptions checks the HTTP options an adapter is created with (see
// driver.Options.Check), naming the provider.
func CheckOptions(provider string, opts driver.Options) error { return opts.Check(provider) }

// CheckBaseURL checks an API root override (driver.BaseURLRule): an
// absolute http(s) URL with no credentials, query or fragment. Errors
// never repeat the URL.
func CheckBaseURL(provider, field, s string) error {
	if rule := driver.BaseURLRule(s); rule != "" {
		return driver.ConfigError(provider, field, rule)
	}
	return nil
}

// IsHostLabel reports whether s is a lower-case DNS label (letters, digits
// and inner hyphens, at most 63 bytes), as a region, an edge or a space
// name put in a carrier's host name must be.
func IsHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// IsDigits reports whether s is one or more ASCII digits, as Bandwidth's
// account ids and Plivo's member ids are.
func IsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsUUID reports whether s is a UUID in its canonical text form
// (8-4-4-4-12 hex digits, either case), as Telnyx and SignalWire ids are.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// IDRule is the shape one id must have: OK reports whether a value has it
// (nil: any value), Rule says what it must be.
type IDRule struct {
	OK   func(string) bool
	Rule string
}

// IDs are a carrier's id rules, checked before anything is sent (IDs.Check).
type IDs struct{ Account, Conference, Call, CallToCoach IDRule }

// Check is a Dialect.Check that applies the rules in that order: to the
// account, the conference, the call when the ref gives one, and the
// CallToCoach when the request sets it.
func (ids IDs) Check(account string, ref participant.Ref, req participant.UpdateRequest) (string, string) {
	switch {
	case !ids.Account.ok(account):
		return "Ref.Account", ids.Account.Rule
	case !ids.Conference.ok(ref.Conference):
		return "Ref.Conference", ids.Conference.Rule
	case ref.Call != "" && !ids.Call.ok(ref.Call):
		return "Ref.Call", ids.Call.Rule
	case req.CallToCoach != nil && !ids.CallToCoach.ok(*req.CallToCoach):
		return "CallToCoach", ids.CallToCoach.Rule
	}
	return "", ""
}

func (r IDRule) ok(s string) bool { return r.OK == nil || r.OK(s) }

// JSONError returns a Dialect.DecodeError for a carrier whose error body
// is the JSON of E: fields gives its code and message; a body that is not
// E's JSON, or gives neither, is not the carrier's (nil vendor error).
func JSONError[E any, PE interface {
	*E
	error
}](fields func(PE) (code, message string)) func(body []byte) (string, string, error) {
	return func(body []byte) (string, string, error) {
		e := PE(new(E))
		if json.Unmarshal(body, e) != nil {
			return "", "", nil
		}
		if code, message := fields(e); code != "" || message != "" {
			return code, message, e
		}
		return "", "", nil
	}
}

// PageQuery returns an Operation.Query that asks for opts.PageSize (at
// most max) as size, and gives the cursor of the page asked for as cursor
// (either name "": not sent).
func PageQuery(size string, max int, cursor string) func(participant.ListOptions, string) url.Values {
	return func(opts participant.ListOptions, c string) url.Values {
		q := url.Values{}
		if size != "" && opts.PageSize > 0 {
			q.Set(size, strconv.Itoa(min(opts.PageSize, max)))
		}
		if cursor != "" && c != "" {
			q.Set(cursor, c)
		}
		return q
	}
}

// Fixed returns an operation whose JSON body is the same on every call
// (an action verb such as {"action":"mute"}); a nil body sends none.
func Fixed(method string, path Path, body []byte) *Operation {
	op := &Operation{Method: method, Path: path}
	if body != nil {
		op.Body, op.Encode = JSONBody, func(*participant.UpdateRequest) ([]byte, error) { return body, nil }
	}
	return op
}
