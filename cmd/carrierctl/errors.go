package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/driver/httpdriver"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers/config"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1 // anything else (a conformance check failed)
	exitInvalid     = 2 // invalid input or unsupported field: refused before sending, or by the carrier
	exitNotFound    = 3 // the participant or conference does not exist (or left)
	exitAuth        = 4 // authentication or permission
	exitUnavailable = 5 // rate limited or unavailable after retries, or timed out
	exitNotCarrier  = 6 // the endpoint did not answer like the carrier's API: a wrong --base-url
)

const exitCodesHelp = `Exit codes: 0 success; 1 any other error; 2 invalid input or unsupported
field (refused before sending, or rejected by the carrier); 3 not found
(the participant left, or the conference ended); 4 authentication or
permission; 5 rate limited or unavailable after retries, or timed out;
6 the endpoint did not answer like the carrier's API (check --base-url).
`

// fieldFlags maps the library's field names (participant.Error.Field, and
// the names its messages use) to carrierctl's flags: the one place where
// a Go name becomes a flag in what an operator reads.
var fieldFlags = map[string]string{
	"Ref.Carrier":          "--carrier",
	"Ref.Account":          "--account",
	"Ref.Conference":       "--conference",
	"Ref.Call":             "--call",
	"Ref":                  "--conference/--call",
	"Muted":                "--muted",
	"Hold":                 "--hold",
	"HoldURL":              "--hold-url",
	"HoldMethod":           "--hold-method",
	"AnnounceURL":          "--announce-url",
	"AnnounceMethod":       "--announce-method",
	"WaitURL":              "--wait-url",
	"WaitMethod":           "--wait-method",
	"BeepOnExit":           "--beep-on-exit",
	"EndConferenceOnExit":  "--end-conference-on-exit",
	"Coaching":             "--coaching",
	"CallToCoach":          "--coach-call",
	"ListOptions.PageSize": "--page-size",
	"Except":               "--except",
	"AllowMissingExcept":   "--allow-missing-except",
}

// fieldNames matches the names of fieldFlags as words, longest first.
var fieldNames = func() *regexp.Regexp {
	var names []string
	for k := range fieldFlags {
		names = append(names, regexp.QuoteMeta(k))
	}
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	return regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
}()

// flagWords rewrites the library's field names in s as flags.
func flagWords(s string) string {
	return fieldNames.ReplaceAllStringFunc(s, func(name string) string { return fieldFlags[name] })
}

// usageError is a mistake in the command line.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// leadingFlag is the flag a usage message starts with ("--call: …").
var leadingFlag = regexp.MustCompile(`^(--[a-z0-9-]+)`)

// notCarrierError is an answer that is not the carrier's: a 404 or 501
// whose body is not the carrier's error shape, from a wrong API root.
type notCarrierError struct {
	provider, endpoint, flag string
	err                      error
}

func (e *notCarrierError) Error() string {
	return fmt.Sprintf("the endpoint at %s did not answer like a %s API: check %s (expected a root such as %s): %v",
		e.endpoint, e.provider, e.flag, expectedRoot(e.provider), e.err)
}

func (e *notCarrierError) Unwrap() error { return e.err }

// expectedRoot is what an API root looks like for provider, as carrierctl
// emulate prints it.
func expectedRoot(provider string) string {
	for _, c := range emulated.Carriers() {
		if c.Name == provider {
			return "http://127.0.0.1:8080" + c.Root + " from carrierctl emulate"
		}
	}
	return "the carrier's documented API root"
}

// isForeignAnswer reports an error whose answer was not the carrier's.
func isForeignAnswer(err error) bool { return errors.Is(err, httpdriver.ErrForeignAnswer) }

// checksFailed is the error of a run in which a check failed.
type checksFailed struct{ ids []string }

func (e checksFailed) Error() string {
	return fmt.Sprintf("%d check(s) failed: %s", len(e.ids), strings.Join(e.ids, ", "))
}

// exitCode maps err to the exit code, by its neutral participant code.
func exitCode(err error) int {
	var nc *notCarrierError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(usageError)):
		return exitInvalid
	case errors.As(err, &nc) || isForeignAnswer(err):
		return exitNotCarrier
	}
	switch participant.CodeOf(err) {
	case participant.CodeInvalidArgument, participant.CodeUnsupported:
		return exitInvalid
	case participant.CodeNotFound:
		return exitNotFound
	case participant.CodeUnauthenticated, participant.CodePermissionDenied:
		return exitAuth
	case participant.CodeRateLimited, participant.CodeUnavailable, participant.CodeDeadlineExceeded:
		return exitUnavailable
	}
	return exitFailure
}

// errorReport is an error as carrierctl reports it: one line of text, or
// with --output json|jsonl a JSON line on stderr.
type errorReport struct {
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	Field      string        `json:"field,omitempty"`
	Flag       string        `json:"flag,omitempty"`
	ConfigPath string        `json:"config_path,omitempty"`
	Hint       string        `json:"hint,omitempty"`
	ExitCode   int           `json:"exit_code,omitempty"`
	Problems   []errorReport `json:"problems,omitempty"`
}

// codeName is a neutral code as JSON spells it: "not_found".
func codeName(c participant.Code) string { return strings.ReplaceAll(c.String(), " ", "_") }

// reportOf describes err: its code, the flag (and config path) it is
// about, and a message in the flags' words.
func reportOf(err error) errorReport {
	r := errorReport{Code: codeName(participant.CodeOf(err)), Message: oneLine(err.Error()), ExitCode: exitCode(err)}
	var (
		nc *notCarrierError
		ce *config.Error
		pe *participant.Error
		cf checksFailed
	)
	switch {
	case errors.As(err, new(usageError)):
		r.Code = "usage"
		if m := leadingFlag.FindString(r.Message); m != "" {
			r.Flag = m
		}
	case errors.As(err, &nc):
		r.Code, r.Flag = "not_carrier_api", nc.flag
		r.Hint = "a 404 or 501 that is not the carrier's error answer means the API root is wrong, not that the participant left"
	case errors.As(err, &ce):
		r.Code = codeName(participant.CodeInvalidArgument)
		for _, p := range ce.Problems {
			r.Problems = append(r.Problems, errorReport{Code: codeName(p.Code), ConfigPath: p.Field, Message: p.Message})
		}
		if len(ce.Problems) > 0 {
			r.ConfigPath = ce.Problems[0].Field
		}
	case errors.As(err, &pe):
		if pe.Op != "config" {
			r.Field, r.Flag = pe.Field, fieldFlags[pe.Field]
		}
		if pe.HTTPStatus == 0 && pe.Op != "config" { // the library's own words, not the carrier's
			r.Message = flagWords(r.Message)
		}
		if pe.Field == "Ref.Account" && pe.Code == participant.CodeInvalidArgument {
			r.Hint = "give --account, or set the carrier's account variable (carrierctl --help lists them; carrierctl emulate prints each carrier's account)"
		}
	case errors.As(err, &cf):
		r.Code = "checks_failed"
	}
	return r
}

// writeError writes err to w as the format asks: a line of text, or a
// JSON line.
func writeError(w io.Writer, format outputFlag, command string, err error) {
	r := reportOf(err)
	if format.isJSON() {
		_ = writeJSON(w, outputJSONL, map[string]errorReport{"error": r})
		return
	}
	prefix := "carrierctl"
	if command != "" {
		prefix += " " + command
	}
	fmt.Fprintf(w, "%s: %s\n", prefix, r.Message)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// explain adds what an operator needs to know to err from one update:
// that an announcement lost on the way was not sent again.
func explain(err error, req participant.UpdateRequest) error {
	if err == nil || req.AnnounceURL == nil || !maybeActed(err) {
		return err
	}
	return &noted{err, "the announcement was not sent again (an announcement is never replayed after an " +
		"ambiguous failure) and may have played"}
}

// maybeActed reports an error after which the carrier may have acted:
// DeliveryMaybe, or, where no layer recorded the delivery, a request sent
// that got no answer or a 5xx.
func maybeActed(err error) bool {
	switch participant.DeliveryOf(err) {
	case participant.DeliveryMaybe:
		return true
	case participant.DeliveryUnknown:
		pe, ok := errors.AsType[*participant.Error](err)
		return ok && pe.Attempts > 0 && (pe.HTTPStatus == 0 || pe.HTTPStatus >= 500)
	}
	return false
}

// noted is an error with a note for the operator after it.
type noted struct {
	err  error
	note string
}

func (n *noted) Error() string { return n.err.Error() + "; " + n.note }
func (n *noted) Unwrap() error { return n.err }

// attemptsNote says which endpoints a failed call tried, and how often.
func attemptsNote(attempts int, endpoints []string) string {
	return "after " + strconv.Itoa(attempts) + " attempt(s) on endpoint(s) " + strings.Join(endpoints, ", ")
}
