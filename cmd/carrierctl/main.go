// Command carrierctl updates or shows a live conference participant on any
// carrier it registers (Bandwidth, SignalWire, Telnyx TeXML, Twilio)
// through carrierkit's neutral API, and serves a local emulator of them.
//
//	git clone <the carrierkit repository> carrierkit && cd carrierkit
//	go install ./cmd/carrierctl
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
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/providers"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands are carrierctl's commands, in --help order. Adding one is one
// line here: its run function defines its flags with newFlagSet, and
// help, errors and completion follow.
var commands = []command{
	{"update", "change a participant (or, with --all, a whole conference): mute, hold and its music, announcements, wait music, coaching", runUpdate},
	{"get", "show a participant", runGet},
	{"list", "list a conference's participants", runList},
	{"remove", "take a participant out of its conference", runRemove},
	{"emulate", "serve local fakes of every carrier's API, each seeded with a demo conference", runEmulate},
	{"events", "receive conference callbacks, verify them and print the neutral events", runEvents},
	{"demo", "walk one neutral update through every carrier on an in-process emulator", runDemo},
	{"conformance", "certify an endpoint: run the live conformance checks and write a report", runConformance},
	{"completion", "print a shell completion script: bash, zsh or fish", runCompletion},
}

const usageText = `carrierctl updates a live conference participant on any carrier it knows
through one neutral API.

Usage:
  carrierctl COMMAND [flags]

Commands:
%s
Run "carrierctl help COMMAND" (or "carrierctl COMMAND --help") for a command's
flags, "carrierctl --version" for the version. Try "carrierctl demo".

Every command takes --output table|json|jsonl (default table); with json or
jsonl an error is one JSON line on stderr: {"error":{"code","message",
"field","flag","config_path","hint","exit_code"}}.

Carriers (--provider) and where their credentials come from: the environment,
never flags; with --config, the variables the file names.
%s
%s`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command in args and returns the exit code. An error is
// written to stderr as one line: text, or JSON with --output json|jsonl.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitInvalid
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printUsage(stdout)
		return exitOK
	case "help":
		if len(args) == 1 {
			printUsage(stdout)
			return exitOK
		}
		args = []string{args[1], "--help"} // carrierctl help update
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, version())
		return exitOK
	}
	c, ok := lookup(args[0])
	if !ok {
		names := make([]string, len(commands))
		for i, c := range commands {
			names[i] = c.name
		}
		writeError(stderr, outputOf(args), "", usagef("unknown command %q (want %s; see carrierctl --help)", args[0], strings.Join(names, ", ")))
		return exitInvalid
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		writeError(stderr, outputOf(args[1:]), c.name, err)
	}
	return exitCode(err)
}

// lookup finds the command name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func printUsage(w io.Writer) {
	var list strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&list, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, usageText, list.String(), carrierList(), exitCodesHelp)
}

// version is the module version and the VCS revision it was built from.
func version() string {
	v := "(devel)"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "carrierctl " + v
	}
	v = cmp.Or(info.Main.Version, v)
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	out := "carrierctl " + v
	if rev != "" {
		out += " revision " + rev[:min(12, len(rev))] + modified
	}
	return out + " " + info.GoVersion
}

// carrierList lists the registered carriers and their credentials, one
// per line: every adapter scheme, with its emulator's credentials help.
func carrierList() string {
	help := map[string]string{}
	for _, c := range emulated.Carriers() {
		help[c.Name] = c.CredentialsHelp
	}
	var b strings.Builder
	for _, s := range providers.DefaultURLMux().Schemes() {
		fmt.Fprintf(&b, "  %-10s %s\n", s, cmp.Or(help[s], "see the adapter's documentation"))
	}
	return b.String()
}

// newFlagSet returns a flag set that reports errors instead of printing
// them; parse prints the usage to stdout on --help. Every command's flag
// set is made here, so --help, the errors and the shell completion
// (completion.go) all come from the same definitions.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("carrierctl "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: carrierctl %s\n\nFlags:\n", synopsis)
		printFlags(fs.Output(), fs)
	}
	return fs
}

// flagName is how help and errors spell a flag: -v, --muted.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// printFlags writes the flags as flag.PrintDefaults does, spelled as
// flagName spells them.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  " + flagName(f.Name)
		if arg != "" {
			line += " " + arg
		}
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		switch f.DefValue {
		case "", "0", "false", "0s", "[]":
		default:
			if _, isString := f.Value.(interface{ IsStringFlag() bool }); isString {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += " (default " + f.DefValue + ")"
			}
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, usage)
	})
}

// flagCapture, passed as stdout with --help, receives the command's flag
// set instead of its usage (for completion).
type flagCapture struct {
	io.Writer
	fs *flag.FlagSet
}

// flagsOf returns c's flag set, as c defines it.
func flagsOf(c command) *flag.FlagSet {
	capture := &flagCapture{Writer: io.Discard}
	_ = c.run(context.Background(), []string{"--help"}, capture, io.Discard)
	return capture.fs
}

// Errors of package flag, rewritten to name the flag first.
var (
	errUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	errValue     = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-+([^:]+): (.*)$`)
	errNoArg     = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
)

// flagError rewrites a flag package error: the flag first, and the rule
// instead of "parse error".
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if m := errUndefined.FindStringSubmatch(msg); m != nil {
		return usagef("%s: unknown flag (see --help)", flagName(m[1]))
	}
	if m := errNoArg.FindStringSubmatch(msg); m != nil {
		return usagef("%s: needs a value (see --help)", flagName(m[1]))
	}
	if m := errValue.FindStringSubmatch(msg); m != nil {
		rule := m[3]
		if rule == "parse error" || strings.HasPrefix(rule, "strconv.") {
			rule = ruleOf(fs.Lookup(m[2]))
		}
		return usagef("%s: invalid value %s: %s", flagName(m[2]), m[1], rule)
	}
	return usageError{fmt.Errorf("%w (see --help)", err)}
}

// ruleOf says what a flag's value must look like.
func ruleOf(f *flag.Flag) string {
	if f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			switch g.Get().(type) {
			case time.Duration:
				return "want a duration such as 30s, 1m30s or 500ms"
			case int, int64, uint, uint64:
				return "want a whole number"
			case bool:
				return "want true or false"
			}
		}
	}
	return "not a valid value"
}

// parse parses args; --help prints the usage to stdout and returns
// flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if c, ok := stdout.(*flagCapture); ok {
		c.fs = fs
		return flag.ErrHelp
	}
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
		return flagError(fs, err)
	case fs.NArg() > 0:
		return usagef("unexpected argument %q (see --help)", fs.Arg(0))
	}
	return nil
}
