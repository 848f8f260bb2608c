// Command carrierctl updates or shows a live conference participant on any
// carrier it registers (Bandwidth, SignalWire, Telnyx TeXML, Twilio)
// through carrierkit's neutral API, and serves a local emulator of them.
//
//	go install github.com/carrierkit/carrierkit/cmd/carrierctl@latest
//	carrierctl demo
//	carrierctl update --provider twilio --conference CF… --call agent --muted true
//
// Run carrierctl --help for the commands and carrierctl COMMAND --help for
// their flags.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1 // anything else
	exitInvalid     = 2 // invalid input or unsupported field: refused before sending, or by the carrier
	exitNotFound    = 3
	exitAuth        = 4 // authentication or permission
	exitUnavailable = 5 // rate limited or unavailable after retries, or timed out
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"update", "change a participant (or, with --all, a whole conference): mute, hold and its music, announcements, wait music, coaching", runUpdate},
	{"get", "show a participant", runGet},
	{"list", "list a conference's participants", runList},
	{"remove", "take a participant out of its conference", runRemove},
	{"emulate", "serve local fakes of every carrier's API, each seeded with a demo conference", runEmulate},
	{"events", "receive conference callbacks, verify them and print the neutral events", runEvents},
	{"demo", "walk one neutral update through every carrier on an in-process emulator", runDemo},
	{"conformance", "certify an endpoint: run the live conformance checks and write a report", runConformance},
}

const usageText = `carrierctl updates a live conference participant on any carrier it knows
through one neutral API.

Usage:
  carrierctl COMMAND [flags]

Commands:
%s
Run "carrierctl COMMAND --help" for a command's flags. Try "carrierctl demo".

Carriers (--provider) and where their credentials come from: the environment,
never flags; with --config, the variables the file names.
%s
Exit codes: 0 success; 1 any other error; 2 invalid input or unsupported
field (refused before sending, or rejected by the carrier); 3 not found;
4 authentication or permission; 5 rate limited or unavailable after
retries, or timed out.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command in args and returns the exit code. Errors are
// written to stderr as one line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		var list strings.Builder
		for _, c := range commands {
			fmt.Fprintf(&list, "  %-12s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(w, usageText, list.String(), carrierList())
		if len(args) == 0 {
			return exitInvalid
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		if err != nil {
			fmt.Fprintf(stderr, "carrierctl %s: %s\n", c.name, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		return exitCode(err)
	}
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	fmt.Fprintf(stderr, "carrierctl: unknown command %q (want %s; see carrierctl --help)\n", args[0], strings.Join(names, ", "))
	return exitInvalid
}

// carrierList lists the registered carriers and their credentials, one
// per line: every adapter scheme, with its emulator's credentials help.
func carrierList() string {
	help := map[string]string{}
	for _, c := range emulator.Carriers() {
		help[c.Name] = c.CredentialsHelp
	}
	var b strings.Builder
	for _, s := range providers.DefaultURLMux().Schemes() {
		fmt.Fprintf(&b, "  %-10s %s\n", s, cmp.Or(help[s], "see the adapter's documentation"))
	}
	return b.String()
}

// usageError is a mistake in the command line.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode maps err to the exit code, by its neutral participant code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.As(err, new(usageError)) {
		return exitInvalid
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

// newFlagSet returns a flag set that reports errors instead of printing
// them; parse prints the usage to stdout on --help.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("carrierctl "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: carrierctl %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; --help prints the usage to stdout and returns
// flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	usage := fs.Usage
	fs.Usage = func() {} // flag calls it on every error; errors are one line
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return err
	case err != nil:
		return usageError{fmt.Errorf("%w (see --help)", err)}
	case fs.NArg() > 0:
		return usagef("unexpected argument %q (see --help)", fs.Arg(0))
	}
	return nil
}
