package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/carrierkit/carrierkit/batch"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// conferenceSynopsis addresses a whole conference on any registered carrier.
func conferenceSynopsis() string {
	return "(--provider " + strings.Join(providers.DefaultURLMux().Schemes(), "|") +
		" [--account ID] | --config FILE [--carrier NAME]) --conference ID"
}

// allFlags are update's whole-conference flags.
type allFlags struct {
	fs          *flag.FlagSet
	all         bool
	except      []string
	concurrency int
}

func addAllFlags(fs *flag.FlagSet) *allFlags {
	a := &allFlags{fs: fs}
	fs.BoolVar(&a.all, "all", false, "update every participant of the conference (instead of --call)")
	fs.Func("except", "with --all, leave out this call `id or label` (repeatable)", func(s string) error {
		a.except = append(a.except, s)
		return nil
	})
	fs.IntVar(&a.concurrency, "concurrency", batch.DefaultConcurrency, "with --all, `N` requests in flight at most")
	return a
}

// set reports whether the flag name was given.
func (a *allFlags) set(name string) bool {
	given := false
	a.fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// open opens the carrier for a whole-conference command, with a timeout.
func (t *target) openConference(ctx context.Context, stderr io.Writer) (participant.Updater, participant.ConferenceRef, context.Context, func(), error) {
	log := newLogger(t.verbose, stderr)
	u, ref, err := t.open(ctx, log)
	if err != nil {
		_ = log.Sync()
		return nil, participant.ConferenceRef{}, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	return u, ref.ConferenceRef(), ctx, func() { cancel(); _ = log.Sync() }, nil
}

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", "list "+conferenceSynopsis()+" [--muted B] [--hold B] [--coaching B] [--page-size N]\n\n"+
		"Prints the conference's participants, page after page: a table (--output table) or a\n"+
		"JSON array. The filters keep only the participants in that state.")
	t := addTarget(fs)
	t.noCall = true
	var opts participant.ListOptions
	fs.Var(boolFlag{&opts.Muted}, "muted", "only the muted (`true`) or the unmuted (false)")
	fs.Var(boolFlag{&opts.Hold}, "hold", "only those on hold (`true`) or not (false)")
	fs.Var(boolFlag{&opts.Coaching}, "coaching", "only the coaches (`true`) or the others (false)")
	fs.IntVar(&opts.PageSize, "page-size", 0, "participants a page, where the carrier takes it (`N`; 0: the carrier's default)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if opts.PageSize < 0 {
		return usagef("--page-size must not be negative")
	}
	u, conf, ctx, done, err := t.openConference(ctx, stderr)
	if err != nil {
		return err
	}
	defer done()
	var ps []*participant.Participant
	for p, err := range participant.List(ctx, u, conf, opts) {
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	if t.output == "json" {
		if ps == nil {
			ps = []*participant.Participant{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ps)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL_ID\tLABEL\tSTATUS\tMUTED\tHOLD\tCOACHING")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%t\t%t\n", p.CallID, dash(p.Label), p.Status, p.Muted, p.Hold, p.Coaching)
	}
	return tw.Flush()
}

func runRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("remove", "remove "+targetSynopsis()+"\n\n"+
		"Takes the participant out of the conference. Its call then continues with the TwiML/TeXML\n"+
		"after its <Dial> (or the <Dial action> URL), and hangs up if there is none.")
	t := addTarget(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	u, conf, ctx, done, err := t.openConference(ctx, stderr)
	if err != nil {
		return err
	}
	defer done()
	if err := participant.Remove(ctx, u, conf.Participant(t.call)); err != nil {
		return err
	}
	if t.output == "json" {
		return json.NewEncoder(stdout).Encode(map[string]any{"call": t.call, "removed": true})
	}
	_, err = fmt.Fprintf(stdout, "removed %s\n", t.call)
	return err
}

// updateAll runs update --all: a batch over the conference, one line per
// participant, an error if any failed.
func (t *target) updateAll(ctx context.Context, stdout, stderr io.Writer, req participant.UpdateRequest, a *allFlags) error {
	if a.concurrency < 1 {
		return usagef("--concurrency must be at least 1")
	}
	u, conf, ctx, done, err := t.openConference(ctx, stderr)
	if err != nil {
		return err
	}
	defer done()
	defer t.closeCoordination()
	results, err := batch.UpdateAll(ctx, u, conf, req, batch.Options{Except: a.except, Concurrency: a.concurrency,
		Limiter: t.sharedLimiter(a.concurrency)})
	if perr := printResults(stdout, string(t.output), results); perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	if failed := batch.Failed(results); len(failed) > 0 {
		return fmt.Errorf("%d of %d updates failed; first, %s: %w", len(failed), len(results), failed[0].Call, failed[0].Err)
	}
	return nil
}

// resultLine is one participant's outcome as update --all prints it.
type resultLine struct {
	Call        string                   `json:"call"`
	Label       string                   `json:"label,omitempty"`
	OK          bool                     `json:"ok"`
	Error       string                   `json:"error,omitempty"`
	Participant *participant.Participant `json:"participant,omitempty"`
}

func printResults(w io.Writer, format string, results []batch.Result) error {
	lines := make([]resultLine, len(results))
	failed := 0
	for i, r := range results {
		lines[i] = resultLine{Call: r.Call, Label: r.Label, OK: r.Err == nil, Participant: r.Participant}
		if r.Err != nil {
			lines[i].Error = r.Err.Error()
			failed++
		}
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"updated": len(results) - failed, "failed": failed, "results": lines})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL_ID\tLABEL\tRESULT")
	for _, l := range lines {
		result := "ok"
		if !l.OK {
			result = l.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Call, dash(l.Label), result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "updated "+strconv.Itoa(len(results)-failed)+", failed "+strconv.Itoa(failed))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
