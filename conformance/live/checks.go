package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/carrierkit/carrierkit/conformance/internal/sample"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/participant"
)

// SuiteVersion is the version of the live check set. It changes when a
// check is added, removed or made stricter; reports carry it.
const SuiteVersion = "1.0.0"

// Profile is a set of live checks.
type Profile string

// Profiles. Core is what every carrier must pass to be certified, and none
// of its checks can be NA; full adds the optional checks, NA where the
// adapter's capabilities say the carrier lacks what they exercise.
const (
	ProfileCore Profile = "core"
	ProfileFull Profile = "full"
)

// Status is a check's outcome, as minio/mint spells it.
type Status string

// Outcomes.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	NA   Status = "NA"
)

// Check is one live check: a stable id, one line saying what it proves,
// its profile and the function that runs it.
type Check struct {
	ID          string
	Description string
	Profile     Profile
	// na, when set, returns why the carrier's capabilities put the check
	// out of scope, or "" when they do not.
	na  func(caps participant.Capabilities) string
	run func(ctx context.Context, s *Session) (detail string, err error)
}

// Result is one check's outcome.
type Result struct {
	ID          string        `json:"id"`
	Description string        `json:"description"`
	Profile     Profile       `json:"profile"`
	Status      Status        `json:"status"`
	Detail      string        `json:"detail,omitempty"` // what passed, why NA, or what failed
	Duration    time.Duration `json:"duration"`
	Requests    int           `json:"requests"` // HTTP requests the check sent
}

// notApplicable is returned by a check's run for an NA outcome.
type notApplicable struct{ reason string }

func (n notApplicable) Error() string { return n.reason }

func na(format string, args ...any) error { return notApplicable{fmt.Sprintf(format, args...)} }

// Checks returns the live checks of profile, in the order they run (the
// full profile includes the core checks).
func Checks(profile Profile) []Check {
	var out []Check
	for _, c := range allChecks() {
		if c.Profile == ProfileCore || profile == ProfileFull {
			out = append(out, c)
		}
	}
	return out
}

func allChecks() []Check {
	cs := []Check{
		{ID: "core.fetch.mapping", Profile: ProfileCore,
			Description: "fetch the participant; ids, documented status and dates map to the neutral participant",
			run:         checkFetch},
		{ID: "core.field.muted.roundtrip", Profile: ProfileCore,
			Description: "Muted set to true and to false (false sent, not dropped), read back each time; nil fields left alone; undone and verified",
			run:         func(ctx context.Context, s *Session) (string, error) { return s.roundTrip(ctx, participant.FieldMuted) }},
		{ID: "core.error.not-found", Profile: ProfileCore,
			Description: "an unknown call in the conference answers not found (update and fetch)",
			run:         checkNotFound},
		{ID: "core.error.unauthenticated", Profile: ProfileCore,
			Description: "wrong credentials answer unauthenticated and change nothing",
			run:         checkBadCredentials},
		{ID: "core.refuse.unsupported", Profile: ProfileCore,
			Description: "each field the adapter cannot carry is refused as unsupported, naming it, with nothing sent",
			run:         checkUnsupported},
		{ID: "core.refuse.invalid", Profile: ProfileCore,
			Description: "invalid values and refs are refused as invalid, naming the field, with nothing sent",
			run:         checkInvalid},
	}
	for _, f := range participant.AllFields() {
		if f == participant.FieldMuted || f == participant.FieldCallToCoach {
			continue // Muted is core; CallToCoach goes with Coaching
		}
		c := Check{ID: "field." + kebab(f.String()) + ".roundtrip", Profile: ProfileFull,
			na: func(caps participant.Capabilities) string {
				if !caps.Supports(f) {
					return "capabilities: the carrier has no " + f.String()
				}
				return ""
			}}
		c.Description = f.String() + " set to true and to false, read back each time; nil fields left alone; undone and verified " +
			"(not applicable where Capabilities.Readable leaves it out)"
		if f == participant.FieldCoaching {
			c.Description = "Coaching with CallToCoach (--call2) set and cleared, read back; undone and verified"
		}
		c.run = func(ctx context.Context, s *Session) (string, error) { return s.roundTrip(ctx, f) }
		cs = append(cs, c)
	}
	return append(cs,
		Check{ID: "label.addressing", Profile: ProfileFull,
			Description: "the participant's label reaches the same participant as its call id, for fetch and update",
			na: func(caps participant.Capabilities) string {
				if !caps.Labels {
					return "capabilities: the carrier has no participant labels"
				}
				return ""
			}, run: checkLabel},
		Check{ID: "error.carrier-invalid-value", Profile: ProfileFull,
			Description: "the carrier's own answer to an invalid value carries a vendor code that maps to invalid argument; nothing changes",
			run:         checkCarrierInvalid},
		Check{ID: "list.participants", Profile: ProfileFull,
			Description: fmt.Sprintf("list the conference in pages of %d; the participant is there once, mapped, and no participant twice", listCheckPageSize),
			na:          opNA(participant.OpList), run: checkList},
		Check{ID: "remove.participant", Profile: ProfileFull,
			Description: "remove the second participant (--call2, only with --allow-remove); it is gone afterwards",
			na:          opNA(participant.OpRemove), run: checkRemove},
		Check{ID: "retry.retry-after", Profile: ProfileFull,
			Description: "every retry after a 429 or 503 with Retry-After waited as asked (capped by the retry policy)",
			run:         checkRetryAfter},
		Check{ID: "spec.response-shape", Profile: ProfileFull,
			Description: "every successful answer of the run is valid against the vendor's OpenAPI spec",
			run:         checkSpec},
	)
}

func opNA(o participant.Op) func(participant.Capabilities) string {
	return func(caps participant.Capabilities) string {
		if !caps.Can(o) {
			return "capabilities: the carrier cannot " + o.String() + " participants"
		}
		return ""
	}
}

// kebab turns a field name into an id part: EndConferenceOnExit →
// end-conference-on-exit, HoldURL → hold-url.
func kebab(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// boolOf returns the value of a readable boolean field of p.
func boolOf(p *participant.Participant, f participant.Field) bool {
	switch f {
	case participant.FieldMuted:
		return p.Muted
	case participant.FieldHold:
		return p.Hold
	case participant.FieldEndConferenceOnExit:
		return p.EndConferenceOnExit
	case participant.FieldCoaching:
		return p.Coaching
	}
	panic("conformance: no boolean " + f.String())
}

// others compares the fields of a and b the carrier reports
// (Capabilities.Readable), except f and, after a hold on a carrier whose
// hold mutes, Muted; it returns the first difference, or "".
func (s *Session) others(a, b *participant.Participant, f participant.Field) string {
	for _, g := range participant.AllFields() {
		if g == f || g == participant.FieldCallToCoach || !s.caps.CanRead(g) ||
			f == participant.FieldHold && g == participant.FieldMuted && s.caps.HoldMutes {
			continue
		}
		if boolOf(a, g) != boolOf(b, g) {
			return fmt.Sprintf("%s changed from %v to %v although it was left nil", g, boolOf(a, g), boolOf(b, g))
		}
	}
	if f != participant.FieldCoaching && s.caps.CanRead(participant.FieldCallToCoach) && a.CallToCoach != b.CallToCoach {
		return fmt.Sprintf("CallToCoach changed from %q to %q although it was left nil", a.CallToCoach, b.CallToCoach)
	}
	return ""
}

// roundTrip flips field f, reads it back, restores it, and verifies the
// restore. Both true and false are sent, whatever the starting value.
func (s *Session) roundTrip(ctx context.Context, f participant.Field) (string, error) {
	if !s.caps.Supports(f) {
		return "", fmt.Errorf("the adapter cannot carry %s, which every carrier must", f)
	}
	if !s.caps.CanRead(f) && f == participant.FieldMuted {
		// Muted is core, so every carrier must carry it; where its state
		// cannot be read (Vonage), both values are sent and must be accepted.
		for _, v := range []bool{true, false} {
			if _, err := s.update(ctx, s.env.Ref, participant.UpdateRequest{Muted: participant.Bool(v)}); err != nil {
				return "", fmt.Errorf("sending Muted=%v: %w", v, err)
			}
		}
		return "Muted=true and Muted=false accepted; the carrier does not report mute state (Capabilities.Readable), " +
			"so neither was read back, and the participant is left unmuted", nil
	}
	if !s.caps.CanRead(f) {
		return "", na("the participant resource does not report %s (Capabilities.Readable), so it can be neither read back nor restored; "+
			"its wire form is checked against the vendor fakes by conformance.Run", f)
	}
	before, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", fmt.Errorf("reading the participant first: %w", err)
	}
	coach := before.CallToCoach
	if f == participant.FieldCoaching && coach == "" {
		if s.env.Second.Call == "" {
			return "", errors.New("Coaching needs a second participant to coach (--call2 / live.Env.Second)")
		}
		second, err := s.fetch(ctx, s.env.Second)
		if err != nil {
			return "", fmt.Errorf("reading the second participant: %w", err)
		}
		coach = second.CallID
	}
	v := boolOf(before, f)
	var steps []string
	set := func(want bool, what string) error {
		var req participant.UpdateRequest
		sample.Set(&req, f, want, func() string { return coach })
		if f == participant.FieldHold && s.caps.HoldMutes && !want {
			req.Muted = participant.Bool(before.Muted) // unhold would unmute: restore Muted as it was
		}
		p, err := s.update(ctx, s.env.Ref, req)
		if err != nil {
			return fmt.Errorf("%s: sending %s=%v: %w", what, f, want, err)
		}
		if got := boolOf(p, f); got != want {
			return fmt.Errorf("%s: sent %s=%v, the answer says %v", what, f, want, got)
		}
		if d := s.others(before, p, f); d != "" {
			return fmt.Errorf("%s: the answer to %s=%v: %s", what, f, want, d)
		}
		back, err := s.fetch(ctx, s.env.Ref)
		if err != nil {
			return fmt.Errorf("%s: reading back %s=%v: %w", what, f, want, err)
		}
		if got := boolOf(back, f); got != want {
			return fmt.Errorf("%s: sent %s=%v, reading back gives %v", what, f, want, got)
		}
		if d := s.others(before, back, f); d != "" {
			return fmt.Errorf("%s: reading back after %s=%v: %s", what, f, want, d)
		}
		if f == participant.FieldCoaching && want && back.CallToCoach != coach {
			return fmt.Errorf("%s: sent CallToCoach=%s, reading back gives %q", what, coach, back.CallToCoach)
		}
		steps = append(steps, fmt.Sprintf("%v sent, read back %v", want, want))
		return nil
	}
	if err := set(!v, "change"); err != nil {
		return "", err
	}
	if err := set(v, "undo"); err != nil {
		return "", fmt.Errorf("%w (the participant may be left changed: %s was %v)", err, f, v)
	}
	return fmt.Sprintf("%s was %v; %s; undo verified", f, v, strings.Join(steps, "; ")), nil
}

func checkFetch(ctx context.Context, s *Session) (string, error) {
	if !s.caps.Can(participant.OpFetch) {
		return "", errors.New("the carrier cannot fetch a participant, which certification needs to read changes back")
	}
	p, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", err
	}
	var bad []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	check(p.Provider == s.caps.Provider, "provider %q, want %q", p.Provider, s.caps.Provider)
	check(p.CallID != "", "no call id")
	check(p.ConferenceID == s.env.Ref.Conference, "conference %q, want %q", p.ConferenceID, s.env.Ref.Conference)
	check(p.AccountID != "", "no account id")
	check(s.env.Ref.Account == "" || p.AccountID == s.env.Ref.Account, "account %q, want %q", p.AccountID, s.env.Ref.Account)
	// A carrier that does not report labels answers a label with the call id.
	check(s.env.Ref.Call == p.CallID || s.env.Ref.Call == p.Label || p.Label == "" && s.caps.Labels,
		"call %q (label %q) is not the %q asked for", p.CallID, p.Label, s.env.Ref.Call)
	omits := s.caps.Omits
	check(omits.Status || p.Status != participant.StatusUnknown, "status is not one the vendor documents: %s", rawField(p.Raw, "status"))
	check(!omits.Status || p.Status == participant.StatusUnknown, "status %s, but Capabilities.Omits.Status says the carrier reports none", p.Status)
	check(omits.Times || !p.Created.IsZero(), "creation date not parsed: %s", rawField(p.Raw, "date_created"))
	check(p.Updated.IsZero() || !p.Updated.Before(p.Created), "updated %s before created %s", p.Updated, p.Created)
	if len(bad) > 0 {
		return "", errors.New(strings.Join(bad, "; "))
	}
	if omits.Times {
		return fmt.Sprintf("call %s, status %s (the carrier reports no dates)", p.CallID, p.Status), nil
	}
	return fmt.Sprintf("call %s, status %s, created %s", p.CallID, p.Status, p.Created.Format(time.RFC3339)), nil
}

// rawField quotes what the carrier's body holds near key, for a failure
// message ("absent" when the key is not there).
func rawField(raw []byte, key string) string {
	i := strings.Index(string(raw), `"`+key+`"`)
	if i < 0 {
		return strconv.Quote(key) + " absent"
	}
	end := min(len(raw), i+len(key)+40)
	if j := strings.IndexAny(string(raw[i+len(key)+2:end]), ",}"); j >= 0 {
		end = i + len(key) + 2 + j
	}
	return string(raw[i:end])
}

// missing returns a ref in the conference that names no participant: the
// call id with its last characters changed within their class, so it keeps
// the carrier's id shape.
func (s *Session) missing(ctx context.Context) participant.Ref {
	if s.env.Missing.Call != "" {
		return s.env.Missing
	}
	call := s.env.Ref.Call
	if p, err := s.fetch(ctx, s.env.Ref); err == nil {
		call = p.CallID
	}
	b := []byte(call)
	for i := max(0, len(b)-12); i < len(b); i++ {
		switch c := b[i]; {
		case '0' <= c && c <= '9':
			b[i] = '0' + (c-'0'+7)%10
		case 'a' <= c && c <= 'f':
			b[i] = 'a' + (c-'a'+3)%6
		case 'A' <= c && c <= 'F':
			b[i] = 'A' + (c-'A'+3)%6
		case 'g' <= c && c <= 'z':
			b[i] = 'g' + (c-'g'+7)%20
		case 'G' <= c && c <= 'Z':
			b[i] = 'G' + (c-'G'+7)%20
		}
	}
	ref := s.env.Ref
	ref.Call = string(b)
	return ref
}

func checkNotFound(ctx context.Context, s *Session) (string, error) {
	ref := s.missing(ctx)
	var got []string
	expect := func(op string, err error) error {
		var pe *participant.Error
		switch {
		case err == nil:
			return fmt.Errorf("%s of unknown call %s succeeded", op, ref.Call)
		case !errors.As(err, &pe) || pe.HTTPStatus == 0:
			return fmt.Errorf("%s of unknown call %s: no answer from the carrier: %w", op, ref.Call, err)
		case pe.Code != participant.CodeNotFound:
			return fmt.Errorf("%s of unknown call %s: %s, want not found: %w", op, ref.Call, pe.Code, err)
		}
		got = append(got, fmt.Sprintf("%s: HTTP %d code %q → not found", op, pe.HTTPStatus, pe.VendorCode))
		return nil
	}
	_, err := s.update(ctx, ref, participant.UpdateRequest{Muted: participant.Bool(true)})
	if err := expect("update", err); err != nil {
		return "", err
	}
	if s.caps.Can(participant.OpFetch) {
		_, err = s.fetch(ctx, ref)
		if err := expect("fetch", err); err != nil {
			return "", err
		}
	}
	return strings.Join(got, "; "), nil
}

func checkBadCredentials(ctx context.Context, s *Session) (string, error) {
	if s.bad == nil {
		return "", errors.New("no way to send wrong credentials (live.Env.Open or BadAuth)")
	}
	before, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", fmt.Errorf("reading the participant first: %w", err)
	}
	// The current value: a carrier that wrongly accepts still changes nothing.
	_, err = s.bad.Update(withTag(ctx, func(t *tag) { t.op = "update" }), s.env.Ref,
		participant.UpdateRequest{Muted: participant.Bool(before.Muted)})
	var pe *participant.Error
	switch {
	case err == nil:
		return "", errors.New("an update with wrong credentials succeeded")
	case !errors.As(err, &pe) || pe.HTTPStatus == 0:
		return "", fmt.Errorf("no answer from the carrier: %w", err)
	case pe.Code != participant.CodeUnauthenticated:
		return "", fmt.Errorf("%s, want unauthenticated: %w", pe.Code, err)
	}
	after, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", fmt.Errorf("reading the participant after: %w", err)
	}
	if d := s.others(before, after, participant.Field(255)); d != "" {
		return "", errors.New("the refused update changed the participant: " + d)
	}
	return fmt.Sprintf("HTTP %d code %q → unauthenticated; participant unchanged", pe.HTTPStatus, pe.VendorCode), nil
}

// refused sends req to ref and checks it fails with code naming field,
// with nothing sent.
func (s *Session) refused(ctx context.Context, name string, ref participant.Ref, req participant.UpdateRequest,
	code participant.Code, field string) error {
	sent := s.sent()
	_, err := s.update(ctx, ref, req)
	var pe *participant.Error
	switch {
	case err == nil:
		return fmt.Errorf("%s: accepted, want %s", name, code)
	case !errors.As(err, &pe):
		return fmt.Errorf("%s: %v, want a *participant.Error", name, err)
	case pe.Code != code:
		return fmt.Errorf("%s: %s, want %s: %v", name, pe.Code, code, err)
	case pe.Field != field:
		return fmt.Errorf("%s: names field %q, want %q", name, pe.Field, field)
	case pe.Attempts != 0 || s.sent() != sent:
		return fmt.Errorf("%s: refused, but %d request(s) were sent", name, max(pe.Attempts, s.sent()-sent))
	}
	return nil
}

func checkUnsupported(ctx context.Context, s *Session) (string, error) {
	var names []string
	for _, f := range participant.AllFields() {
		if s.caps.Supports(f) {
			continue
		}
		var req participant.UpdateRequest
		sample.Set(&req, f, true, func() string { return s.env.Ref.Call })
		if err := s.refused(ctx, f.String(), s.env.Ref, req, participant.CodeUnsupported, f.String()); err != nil {
			return "", err
		}
		names = append(names, f.String())
	}
	if len(names) == 0 {
		return "the adapter carries every field: nothing to refuse", nil
	}
	return "refused with nothing sent: " + strings.Join(names, ", "), nil
}

func checkInvalid(ctx context.Context, s *Session) (string, error) {
	type invalidCase struct {
		name  string
		ref   participant.Ref
		req   participant.UpdateRequest
		field string
	}
	mute := participant.UpdateRequest{Muted: participant.Bool(true)}
	ref := s.env.Ref
	noCall, noConf := ref, ref
	noCall.Call, noConf.Conference = "", ""
	cases := []invalidCase{
		{"empty request", ref, participant.UpdateRequest{}, ""},
		{"empty call", noCall, mute, "Ref.Call"},
		{"empty conference", noConf, mute, "Ref.Conference"},
	}
	for _, c := range []struct {
		f   participant.Field
		req participant.UpdateRequest
	}{
		{participant.FieldHoldURL, participant.UpdateRequest{HoldURL: participant.String("/hold.xml")}},
		{participant.FieldAnnounceURL, participant.UpdateRequest{AnnounceURL: participant.String("ftp://x.example/a.mp3")}},
		{participant.FieldWaitURL, participant.UpdateRequest{WaitURL: participant.String("https://u:p@x.example/w.mp3")}},
		{participant.FieldHoldMethod, participant.UpdateRequest{HoldMethod: "get"}},
		{participant.FieldAnnounceMethod, participant.UpdateRequest{AnnounceMethod: "PUT"}},
		{participant.FieldWaitMethod, participant.UpdateRequest{WaitMethod: "HEAD"}},
		{participant.FieldCoaching, participant.UpdateRequest{Coaching: participant.Bool(true)}},
		{participant.FieldCallToCoach, participant.UpdateRequest{CallToCoach: participant.String("")}},
	} {
		if s.caps.Supports(c.f) {
			cases = append(cases, invalidCase{"invalid " + c.f.String(), ref, c.req, c.f.String()})
		}
	}
	var names []string
	for _, c := range cases {
		if err := s.refused(ctx, c.name, c.ref, c.req, participant.CodeInvalidArgument, c.field); err != nil {
			return "", err
		}
		names = append(names, c.name)
	}
	return "refused with nothing sent: " + strings.Join(names, ", "), nil
}

func checkLabel(ctx context.Context, s *Session) (string, error) {
	p, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", err
	}
	// The label is what the carrier reports, or else what Ref gave when
	// it reached a participant of another call id.
	label := p.Label
	if label == "" && s.env.Ref.Call != p.CallID {
		label = s.env.Ref.Call
	}
	if label == "" {
		return "", na("participant %s has no label, so label addressing cannot be checked with it: "+
			"give a participant added with a label, addressed by it (--call LABEL)", p.CallID)
	}
	byID, byLabel := s.env.Ref, s.env.Ref
	byID.Call, byLabel.Call = p.CallID, label
	q, err := s.fetch(ctx, byLabel)
	if err != nil {
		return "", fmt.Errorf("fetch by label %q: %w", label, err)
	}
	if q.CallID != p.CallID {
		return "", fmt.Errorf("label %q reached call %s, want %s", label, q.CallID, p.CallID)
	}
	u, err := s.update(ctx, byLabel, participant.UpdateRequest{Muted: participant.Bool(!p.Muted)})
	if err != nil {
		return "", fmt.Errorf("update by label %q: %w", label, err)
	}
	if u.CallID != p.CallID || u.Muted == p.Muted {
		return "", fmt.Errorf("update by label %q answered call %s muted %v, want %s muted %v", label, u.CallID, u.Muted, p.CallID, !p.Muted)
	}
	if _, err := s.update(ctx, byID, participant.UpdateRequest{Muted: participant.Bool(p.Muted)}); err != nil {
		return "", fmt.Errorf("undo by call id: %w", err)
	}
	after, err := s.fetch(ctx, byID)
	if err != nil {
		return "", fmt.Errorf("verifying the undo: %w", err)
	}
	if after.Muted != p.Muted {
		return "", fmt.Errorf("undo not verified: Muted is %v, was %v", after.Muted, p.Muted)
	}
	return fmt.Sprintf("label %q = call %s for fetch and update; undo verified", label, p.CallID), nil
}

func checkCarrierInvalid(ctx context.Context, s *Session) (string, error) {
	if s.rec == nil {
		return "", errors.New("needs the recording transport (live.Env.Open)")
	}
	before, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", fmt.Errorf("reading the participant first: %w", err)
	}
	changed := new(atomic.Bool)
	bad := withTag(ctx, func(t *tag) { t.corrupted, t.changed = true, changed })
	_, err = s.update(bad, s.env.Ref, participant.UpdateRequest{Muted: participant.Bool(before.Muted)})
	var pe *participant.Error
	var fail error
	switch {
	case err == nil && !changed.Load():
		return "", na("the update carries no value in its body to make invalid (the carrier's verb is its method and path)")
	case err == nil:
		fail = errors.New(`the carrier accepted Muted="maybe"`)
	case !errors.As(err, &pe) || pe.HTTPStatus == 0:
		fail = fmt.Errorf("no answer from the carrier: %w", err)
	case pe.HTTPStatus < 400 || pe.HTTPStatus > 499:
		fail = fmt.Errorf("HTTP %d for an invalid value, want a 4xx: %w", pe.HTTPStatus, err)
	case pe.VendorCode == "":
		fail = fmt.Errorf("HTTP %d without a vendor error code: %w", pe.HTTPStatus, err)
	case pe.Code != participant.CodeInvalidArgument:
		fail = fmt.Errorf("vendor code %s maps to %s, want invalid argument: %w", pe.VendorCode, pe.Code, err)
	}
	after, ferr := s.fetch(ctx, s.env.Ref)
	switch {
	case ferr != nil:
		return "", errors.Join(fail, fmt.Errorf("reading the participant after: %w", ferr))
	case after.Muted != before.Muted:
		_, uerr := s.update(ctx, s.env.Ref, participant.UpdateRequest{Muted: participant.Bool(before.Muted)})
		return "", errors.Join(fail, fmt.Errorf("the invalid value changed Muted to %v (restored: %v)", after.Muted, uerr == nil))
	case fail != nil:
		return "", fail
	}
	return fmt.Sprintf(`Muted="maybe": HTTP %d code %q → invalid argument; participant unchanged`, pe.HTTPStatus, pe.VendorCode), nil
}

func checkList(ctx context.Context, s *Session) (string, error) {
	p, err := s.fetch(ctx, s.env.Ref)
	if err != nil {
		return "", err
	}
	seen := map[string]int{}
	n := 0
	for q, err := range s.u.List(withTag(ctx, func(t *tag) { t.op = "list" }), s.env.Ref.ConferenceRef(),
		participant.ListOptions{PageSize: listCheckPageSize}) {
		if err != nil {
			return "", fmt.Errorf("after %d participant(s): %w", n, err)
		}
		n++
		seen[q.CallID]++
		if q.CallID == p.CallID && (q.Provider != p.Provider || q.ConferenceID != p.ConferenceID || q.Muted != p.Muted) {
			return "", fmt.Errorf("listed %+v differs from fetched %+v", *q, *p)
		}
	}
	switch {
	case seen[p.CallID] == 0:
		return "", fmt.Errorf("%d participant(s) listed, %s not among them", n, p.CallID)
	case len(seen) != n:
		return "", fmt.Errorf("%d participant(s) listed, only %d distinct: paging repeats", n, len(seen))
	}
	return fmt.Sprintf("%d participant(s) on pages of up to %d, %s among them", n, listCheckPageSize, p.CallID), nil
}

// listCheckPageSize is the list check's page size: small enough that a
// conference of a few hundred spans several pages, large enough that one
// of thousands is listed within the check's timeout.
const listCheckPageSize = 50

func checkRemove(ctx context.Context, s *Session) (string, error) {
	if s.env.Second.Call == "" || !s.env.AllowRemove {
		return "", na("removing a participant cannot be undone: give --call2 and --allow-remove (live.Env.Second, AllowRemove) to run it")
	}
	if err := s.u.Remove(withTag(ctx, func(t *tag) { t.op = "remove" }), s.env.Second); err != nil {
		return "", err
	}
	p, err := s.fetch(ctx, s.env.Second)
	switch {
	case errors.Is(err, participant.ErrNotFound):
		return "removed; fetching it answers not found", nil
	case err != nil:
		return "", fmt.Errorf("reading it back: %w", err)
	case p.Status != participant.StatusCompleted:
		return "", fmt.Errorf("removed, yet its status is %s", p.Status)
	}
	return "removed; its status reads completed", nil
}

func checkRetryAfter(_ context.Context, s *Session) (string, error) {
	if s.rec == nil {
		return "", errors.New("needs the recording transport (live.Env.Open)")
	}
	xs := s.rec.Exchanges()
	limit := s.env.MaxRetryAfter
	seen, retried := 0, 0
	for i, x := range xs {
		asked, ok := httpx.RetryAfter(x.Status, x.ResponseHeader) // the adapters' own reading
		if !ok {
			continue
		}
		seen++
		for _, y := range xs[i+1:] {
			if y.Method != x.Method || y.Host != x.Host || y.Path != x.Path || y.Check != x.Check {
				continue
			}
			retried++
			waited := y.Start.Sub(x.Start.Add(x.Duration))
			want := min(asked, limit)
			if waited < want-retrySlack {
				return "", fmt.Errorf("HTTP %d asked Retry-After %s; the retry came after %s", x.Status, asked, waited.Round(time.Millisecond))
			}
			break
		}
	}
	switch {
	case seen == 0:
		return "", na("the endpoint sent no 429 or 503 with Retry-After during the run")
	case retried == 0: // no wait was measured: nothing was checked
		return "", na("the endpoint sent %d answer(s) with Retry-After during the run, but none was retried", seen)
	}
	return fmt.Sprintf("%d answer(s) with Retry-After, %d retried no sooner than asked (cap %s)", seen, retried, limit), nil
}

// retrySlack absorbs clock granularity between the recorder's timestamps.
const retrySlack = 20 * time.Millisecond

func checkSpec(_ context.Context, s *Session) (string, error) {
	if s.env.ValidateResponse == nil {
		return "", na("no OpenAPI spec for %s: %s", s.caps.Provider, cmp.Or(s.env.SpecNote, "none given"))
	}
	if s.rec == nil {
		return "", errors.New("needs the recording transport (live.Env.Open)")
	}
	n := 0
	var errs []error
	for _, x := range s.rec.Exchanges() {
		if x.Status < 200 || x.Status > 299 || x.Corrupted || x.BadAuth {
			continue
		}
		r := Request{Method: x.Method, Path: x.Path, RawQuery: x.RawQuery, Header: x.RequestHeader, Body: x.RequestBody}
		if err := s.env.ValidateResponse(r, x.Status, x.ResponseHeader, x.ResponseBody); err != nil {
			errs = append(errs, fmt.Errorf("%s %s → %d (check %s): %w", x.Method, x.Path, x.Status, x.Check, err))
		}
		n++
	}
	switch {
	case len(errs) > 0:
		return "", fmt.Errorf("%d of %d answers invalid: %w", len(errs), n, errors.Join(errs[:min(3, len(errs))]...))
	case n == 0:
		return "", errors.New("no successful answer to validate")
	}
	return fmt.Sprintf("%d answers valid against %s", n, s.env.SpecNote), nil
}
