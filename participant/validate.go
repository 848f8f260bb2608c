package participant

import (
	"fmt"
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Bounds on what a caller may send, in bytes. No carrier documents a
// longer id: Twilio SIDs are 34 bytes, Telnyx ids (UUIDs, "v3:" call
// control ids) under 100; Twilio documents no limit for a participant
// label, so MaxIDBytes leaves room for any label a person would choose.
// MaxURLBytes leaves room for signed URLs (an S3 presigned URL with a
// session token runs to about 2 KB).
const (
	MaxIDBytes  = 256  // Ref.Account, Ref.Conference, Ref.Call (id or label), CallToCoach
	MaxURLBytes = 4096 // HoldURL, AnnounceURL, WaitURL
)

// Validate checks req against the neutral rules and against what caps can
// carry. The portable client (carrierkit.Client) calls it before anything
// is sent; the error is an *Error with CodeInvalidArgument or
// CodeUnsupported that names the field.
//
// The rules: at least one field is set; every set field is in caps.Fields;
// URLs are absolute http or https URLs (WaitURL may be "" to turn wait music
// off) of at most MaxURLBytes, ASCII only (percent-encode other characters
// as RFC 3986 asks, and give the host in its xn-- form), without white space
// or control characters; methods are GET or POST; Coaching=true needs
// CallToCoach, and CallToCoach is not empty and is a valid id (see
// ValidateRef).
func Validate(req *UpdateRequest, caps Capabilities) error {
	set := req.Fields()
	if set == 0 {
		return invalid(caps, "", "nothing to update: set at least one field")
	}
	if extra := set &^ caps.Fields; extra != 0 {
		f := extra.Fields()[0]
		return &Error{Code: CodeUnsupported, Provider: caps.Provider, Op: "update", Field: f.String(),
			Message: "not supported by " + caps.Provider, Delivery: DeliveryNotSent}
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
	if req.CallToCoach != nil {
		if err := checkID(caps, "CallToCoach", *req.CallToCoach); err != nil {
			return err
		}
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

// Without returns a copy of r with the fields in s left unset: what is left
// to send after a failure whose Error.Applied is s. A method goes with its
// URL: leaving out HoldURL leaves out HoldMethod too, and likewise for the
// announcement and the wait music; Coaching takes CallToCoach with it.
func (r UpdateRequest) Without(s FieldSet) UpdateRequest {
	if s.Has(FieldMuted) {
		r.Muted = nil
	}
	if s.Has(FieldHold) {
		r.Hold = nil
	}
	if s.Has(FieldHoldURL) || s.Has(FieldHoldMethod) {
		r.HoldURL, r.HoldMethod = nil, MethodDefault
	}
	if s.Has(FieldAnnounceURL) || s.Has(FieldAnnounceMethod) {
		r.AnnounceURL, r.AnnounceMethod = nil, MethodDefault
	}
	if s.Has(FieldWaitURL) || s.Has(FieldWaitMethod) {
		r.WaitURL, r.WaitMethod = nil, MethodDefault
	}
	if s.Has(FieldBeepOnExit) {
		r.BeepOnExit = nil
	}
	if s.Has(FieldEndConferenceOnExit) {
		r.EndConferenceOnExit = nil
	}
	if s.Has(FieldCoaching) || s.Has(FieldCallToCoach) {
		r.Coaching, r.CallToCoach = nil, nil
	}
	return r
}

// ValidateRef checks that ref names a conference and a call, and that an
// account is known (ref.Account, or defaultAccount when that is empty).
// Every id (and a label in Ref.Call) must be valid UTF-8 of at most
// MaxIDBytes, without control characters (C0 such as CR, LF and NUL, DEL,
// C1): no carrier issues such an id. It returns the account to use. Its
// error's Op is "update"; an adapter checking a ref for another operation
// sets Op to that one (the adapter engine does, for fetch, list, remove and
// check). The carrier's own id rules (shapes such as AC…, conf-…) are the
// adapter's, not checked here.
func ValidateRef(ref Ref, defaultAccount string, caps Capabilities) (string, error) {
	account := ref.Account
	if account == "" {
		account = defaultAccount
	}
	if account == "" {
		return "", invalid(caps, "Ref.Account", "is empty and the adapter has no default account")
	}
	for _, id := range [...]struct{ field, v string }{{"Ref.Account", account},
		{"Ref.Conference", ref.Conference}, {"Ref.Call", ref.Call}} {
		if err := checkID(caps, id.field, id.v); err != nil {
			return "", err
		}
	}
	return account, nil
}

// checkID applies the neutral id rules. The value is never echoed.
func checkID(caps Capabilities, field, v string) error {
	switch {
	case v == "":
		return invalid(caps, field, "must not be empty")
	case len(v) > MaxIDBytes:
		return invalid(caps, field, fmt.Sprintf("must be at most %d bytes, got %d", MaxIDBytes, len(v)))
	}
	if rule := TextRule(v); rule != "" {
		return invalid(caps, field, rule)
	}
	return nil
}

// TextRule returns the rule s breaks, or "" when s is valid UTF-8 without
// control characters (C0, DEL, C1). Ids and credentials follow it.
func TextRule(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++ // printable ASCII, the usual id: valid, and no control character
	}
	if i == len(s) {
		return ""
	}
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	for _, r := range s {
		if isControl(r) {
			return fmt.Sprintf("must not contain control characters (C0, DEL or C1), found %U", r)
		}
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r <= 0x9f }

func checkURL(caps Capabilities, f Field, v *string, emptyOK bool) error {
	if v == nil || (emptyOK && *v == "") {
		return nil
	}
	// The value is never echoed: a signed URL or a password may be in it.
	why := urlRule(*v)
	var u *url.URL
	var err error
	if why == "" {
		u, err = url.Parse(*v)
	}
	switch {
	case why != "":
	case err != nil:
		why = "it does not parse as a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		why = "its scheme is " + strconv.Quote(u.Scheme)
	case u.Host == "":
		why = "it has no host"
	case u.User != nil:
		why = "it holds credentials"
	default:
		return nil
	}
	rule := "must be an absolute http or https URL without credentials"
	if emptyOK {
		rule += ", or empty"
	}
	return invalid(caps, f.String(), rule+"; "+why)
}

// urlRule returns why s cannot be sent as a URL as is, or "": longer than
// MaxURLBytes, invalid UTF-8, white space, separators and control or format
// characters anywhere in Unicode, and any other non-ASCII character, which
// RFC 3986 wants percent-encoded (carrierkit does not rewrite a URL it was
// given).
func urlRule(s string) string {
	if len(s) > MaxURLBytes {
		return fmt.Sprintf("it is longer than %d bytes (%d)", MaxURLBytes, len(s))
	}
	if !utf8.ValidString(s) {
		return "it is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.In(r, unicode.Z, unicode.Cc, unicode.Cf):
			return fmt.Sprintf("it contains white space, a separator or a control character (%U)", r)
		case r > unicode.MaxASCII:
			return fmt.Sprintf("it contains a non-ASCII character (%U): percent-encode it (RFC 3986), with the host in its xn-- form", r)
		}
	}
	return ""
}

func invalid(caps Capabilities, field, msg string) *Error {
	return &Error{Code: CodeInvalidArgument, Provider: caps.Provider, Op: "update", Field: field, Message: msg,
		Delivery: DeliveryNotSent}
}

// CheckRef applies the neutral id rules to ref for op, as the portable
// client does before any operation: Conference (and, except for a listing,
// Call) must be set, and every id that is set follows the rules of
// ValidateRef. An empty Account is allowed: the driver uses its default.
// The error names the field, with Op op.
func CheckRef(ref Ref, op Op, caps Capabilities) error {
	ids := [...]struct {
		field, v string
		need     bool
	}{{"Ref.Account", ref.Account, false}, {"Ref.Conference", ref.Conference, true}, {"Ref.Call", ref.Call, op != OpList}}
	for _, id := range ids {
		if id.v == "" && !id.need {
			continue
		}
		if err := checkID(caps, id.field, id.v); err != nil {
			pe := err.(*Error)
			pe.Op = op
			return pe
		}
	}
	return nil
}

// ValidateListOptions checks a listing's options against caps: PageSize is
// not negative, and no filter is on a field the carrier accepts but does
// not report (it could not be honoured). The error names the option.
func ValidateListOptions(opts ListOptions, caps Capabilities) error {
	if opts.PageSize < 0 {
		return &Error{Code: CodeInvalidArgument, Provider: caps.Provider, Op: OpList,
			Field: "ListOptions.PageSize", Message: "must not be negative", Delivery: DeliveryNotSent}
	}
	for _, f := range [...]struct {
		f   Field
		set bool
	}{{FieldMuted, opts.Muted != nil}, {FieldHold, opts.Hold != nil}, {FieldCoaching, opts.Coaching != nil}} {
		if f.set && caps.Fields.Has(f.f) && !caps.CanRead(f.f) {
			return &Error{Code: CodeUnsupported, Provider: caps.Provider, Op: OpList, Field: "ListOptions." + f.f.String(),
				Message: "the " + caps.Provider + " participant resource does not report " + f.f.String() +
					", so a list cannot filter on it", Delivery: DeliveryNotSent}
		}
	}
	return nil
}
