package participant

import (
	"net/url"
	"strconv"
	"strings"
)

// Validate checks req against the neutral rules and against what caps can
// carry. Adapters call it before sending anything; the error is an *Error
// with CodeInvalidArgument or CodeUnsupported that names the field.
//
// The rules: at least one field is set; every set field is in caps.Fields;
// URLs are absolute http or https URLs (WaitURL may be "" to turn wait music
// off); methods are GET or POST; Coaching=true needs CallToCoach, and
// CallToCoach is not empty.
func Validate(req *UpdateRequest, caps Capabilities) error {
	set := req.Fields()
	if set == 0 {
		return invalid(caps, "", "nothing to update: set at least one field")
	}
	if extra := set &^ caps.Fields; extra != 0 {
		f := extra.Fields()[0]
		return &Error{Code: CodeUnsupported, Provider: caps.Provider, Op: "update", Field: f.String(),
			Message: "not supported by " + caps.Provider}
	}
	if err := checkURL(caps, FieldHoldURL, req.HoldURL, false); err != nil {
		return err
	}
	if err := checkURL(caps, FieldAnnounceURL, req.AnnounceURL, false); err != nil {
		return err
	}
	if err := checkURL(caps, FieldWaitURL, req.WaitURL, true); err != nil {
		return err
	}
	for _, m := range [...]struct {
		f Field
		m Method
	}{{FieldHoldMethod, req.HoldMethod}, {FieldAnnounceMethod, req.AnnounceMethod}, {FieldWaitMethod, req.WaitMethod}} {
		if m.m != MethodDefault && m.m != MethodGET && m.m != MethodPOST {
			return invalid(caps, m.f.String(), `must be GET or POST, got "`+string(m.m)+`"`)
		}
	}
	if req.CallToCoach != nil && *req.CallToCoach == "" {
		return invalid(caps, "CallToCoach", "must not be empty")
	}
	if req.Coaching != nil && *req.Coaching && req.CallToCoach == nil {
		return invalid(caps, "Coaching", "true needs CallToCoach")
	}
	return nil
}

// Fields returns the set of fields req sets.
func (r *UpdateRequest) Fields() FieldSet {
	var s FieldSet
	add := func(f Field, set bool) {
		if set {
			s |= 1 << f
		}
	}
	add(FieldMuted, r.Muted != nil)
	add(FieldHold, r.Hold != nil)
	add(FieldHoldURL, r.HoldURL != nil)
	add(FieldHoldMethod, r.HoldMethod != MethodDefault)
	add(FieldAnnounceURL, r.AnnounceURL != nil)
	add(FieldAnnounceMethod, r.AnnounceMethod != MethodDefault)
	add(FieldWaitURL, r.WaitURL != nil)
	add(FieldWaitMethod, r.WaitMethod != MethodDefault)
	add(FieldBeepOnExit, r.BeepOnExit != nil)
	add(FieldEndConferenceOnExit, r.EndConferenceOnExit != nil)
	add(FieldCoaching, r.Coaching != nil)
	add(FieldCallToCoach, r.CallToCoach != nil)
	return s
}

// ValidateRef checks that ref names a conference and a call, and that an
// account is known (ref.Account, or defaultAccount when that is empty). It
// returns the account to use. Its error's Op is "update"; an adapter
// checking a ref for another operation sets Op to that one (the adapter
// engine does, for fetch, list, remove and check). The carrier's own id
// rules (shapes such as AC…, conf-…) are the adapter's, not checked here.
func ValidateRef(ref Ref, defaultAccount string, caps Capabilities) (string, error) {
	account := ref.Account
	if account == "" {
		account = defaultAccount
	}
	switch {
	case account == "":
		return "", invalid(caps, "Ref.Account", "is empty and the adapter has no default account")
	case ref.Conference == "":
		return "", invalid(caps, "Ref.Conference", "must not be empty")
	case ref.Call == "":
		return "", invalid(caps, "Ref.Call", "must not be empty")
	}
	return account, nil
}

func checkURL(caps Capabilities, f Field, v *string, emptyOK bool) error {
	if v == nil || (emptyOK && *v == "") {
		return nil
	}
	// The value is never echoed: a signed URL or a password may be in it.
	var why string
	u, err := url.Parse(*v)
	switch {
	case err != nil:
		why = "it does not parse as a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		why = "its scheme is " + strconv.Quote(u.Scheme)
	case u.Host == "":
		why = "it has no host"
	case u.User != nil:
		why = "it holds credentials"
	case strings.ContainsAny(*v, " \t\r\n"):
		why = "it contains white space"
	default:
		return nil
	}
	rule := "must be an absolute http or https URL without credentials"
	if emptyOK {
		rule += ", or empty"
	}
	return invalid(caps, f.String(), rule+"; "+why)
}

func invalid(caps Capabilities, field, msg string) *Error {
	return &Error{Code: CodeInvalidArgument, Provider: caps.Provider, Op: "update", Field: field, Message: msg}
}
