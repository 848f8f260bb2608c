package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/carrierkit/carrierkit"
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
	fs           *flag.FlagSet
	all          bool
	except       []string
	allowMissing bool
	concurrency  int
	progress     *progressFlags
}

func addAllFlags(fs *flag.FlagSet) *allFlags {
	a := &allFlags{fs: fs}
	fs.BoolVar(&a.all, "all", false, "update every participant of the conference (instead of --call)")
	fs.Func("except", "with --all, leave out this call `id or label` (repeatable); one that matches no participant fails the\nbatch before anything is sent", func(s string) error {
		a.except = append(a.except, s)
		return nil
	})
	fs.BoolVar(&a.allowMissing, "allow-missing-except", false, "with --all, let an --except that matches no participant leave no one out instead of failing")
	fs.IntVar(&a.concurrency, "concurrency", batch.DefaultConcurrency, "with --all, `N` requests in flight at most")
	a.progress = addProgressFlags(fs)
	return a
}

// set reports whether the flag name was given.
func (a *allFlags) set(name string) bool {
	given := false
	a.fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// openConference opens the carrier for a whole-conference command, with a timeout.
func (t *target) openConference(ctx context.Context, stderr io.Writer) (*carrierkit.Client, participant.ConferenceRef, context.Context, func(), error) {
	log := newLogger(t.verbose, stderr)
	u, ref, err := t.open(ctx, log)
	if err != nil {
		t.closeCoordination()
		_ = log.Sync()
		return nil, participant.ConferenceRef{}, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	return u, ref.ConferenceRef(), ctx, func() { cancel(); t.release(u); _ = log.Sync() }, nil
}

// listPageSize is list's page size when --page-size is not given: few,
// large pages (Twilio's maximum; an adapter asks for no more than its
// carrier's).
const listPageSize = batch.DefaultPageSize

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", "list "+conferenceSynopsis()+" [--muted B] [--hold B] [--coaching B] [--page-size N]\n\n"+
		"Prints the conference's participants as they are listed, page after page: table rows,\n"+
		"a JSON array (--output json) or one JSON object a line (--output jsonl). The filters keep\n"+
		"only the participants in that state.")
	t := addConferenceTarget(fs)
	var opts participant.ListOptions
	fs.Var(boolFlag{&opts.Muted}, "muted", "only the muted (`true`) or the unmuted (false)")
	fs.Var(boolFlag{&opts.Hold}, "hold", "only those on hold (`true`) or not (false)")
	fs.Var(boolFlag{&opts.Coaching}, "coaching", "only the coaches (`true`) or the others (false)")
	fs.IntVar(&opts.PageSize, "page-size", listPageSize, "participants a page, where the carrier takes it (`N`; the carrier's maximum if smaller)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if opts.PageSize < 1 {
		return usagef("--page-size must be at least 1")
	}
	u, conf, ctx, done, err := t.openConference(ctx, stderr)
	if err != nil {
		return err
	}
	defer done()
	var all []*participant.Participant
	table := newStreamTable(stdout, []string{"CALL_ID", "LABEL", "STATUS", "MUTED", "HOLD", "COACHING"}, 34, 12, 9, 5, 5)
	for p, err := range u.List(ctx, conf, opts) {
		if err != nil {
			return t.wrap(err)
		}
		switch t.output {
		case outputJSON:
			all = append(all, p)
		case outputJSONL:
			err = writeJSON(stdout, outputJSONL, p)
		default:
			err = table.row(p.CallID, p.Label, string(p.Status), strconv.FormatBool(p.Muted), strconv.FormatBool(p.Hold), strconv.FormatBool(p.Coaching))
		}
		if err != nil {
			return err
		}
	}
	switch t.output {
	case outputJSON:
		if all == nil {
			all = []*participant.Participant{}
		}
		return writeJSON(stdout, outputJSON, all)
	case outputJSONL:
		return nil
	}
	return table.flush()
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
	if err := u.Remove(ctx, conf.Participant(t.call)); err != nil {
		return t.wrap(err)
	}
	if t.output.isJSON() {
		return writeJSON(stdout, t.output, removed{CallID: t.call, Removed: true})
	}
	return keyValues(stdout, [][2]string{{"call_id", t.call}, {"removed", "true"}})
}

// removed is what remove prints.
type removed struct {
	CallID  string `json:"call_id"`
	Removed bool   `json:"removed"`
}

// resultLine is one participant's outcome as update --all prints it.
type resultLine struct {
	CallID      string                   `json:"call_id"`
	Label       string                   `json:"label,omitempty"`
	OK          bool                     `json:"ok"`
	RateLimited int                      `json:"rate_limited,omitempty"`
	Error       *errorReport             `json:"error,omitempty"`
	Participant *participant.Participant `json:"participant,omitempty"`
}

// batchSummary ends update --all's output.
type batchSummary struct {
	Updated     int          `json:"updated"`
	Failed      int          `json:"failed"`
	RateLimited int          `json:"rate_limited"`
	Results     []resultLine `json:"results,omitempty"`
}

// updateAll runs update --all: a batch over the conference, one line per
// participant as each completes, an error if any failed.
func (t *target) updateAll(ctx context.Context, stdout, stderr io.Writer, req participant.UpdateRequest, a *allFlags) error {
	if a.concurrency < 1 {
		return usagef("--concurrency must be at least 1")
	}
	show, err := a.progress.enabled(stderr)
	if err != nil {
		return err
	}
	u, conf, ctx, done, err := t.openConference(ctx, stderr)
	if err != nil {
		return err
	}
	defer done() // closes u and the coordination's Redis client
	// The --config file's shared limiter (coordination.redis), else one
	// of this process: the bar shows its current limit either way.
	lim := t.sharedLimiter(a.concurrency)
	if lim == nil {
		lim = batch.NewLimiter(a.concurrency)
	}
	counts := &batchCounts{}
	counted := &countingClient{Client: u, counts: counts}
	var bar *progress
	if show {
		bar = newProgress(stderr, stdout, 0, func() string { return "update --all" },
			func() string { return counts.status(lim.Limit) })
		counted.listed = func(n int64) { bar.setTotal(n, false) }
	}
	out := bar.out(stdout)
	table := newStreamTable(out, []string{"CALL_ID", "LABEL", "RESULT"}, 34, 14)
	var (
		sum       batchSummary
		firstFail *batch.Result
		writeErr  error
	)
	err = batch.Each(ctx, counted, conf, req, batch.Options{Except: a.except, AllowMissingExcept: a.allowMissing, Limiter: lim},
		func(_ int, r batch.Result) {
			counts.done.Add(1)
			bar.increment()
			line := resultLine{CallID: r.Call, Label: r.Label, OK: r.Err == nil, RateLimited: r.RateLimited, Participant: r.Participant}
			sum.RateLimited += r.RateLimited
			if r.Err != nil {
				counts.failed.Add(1)
				sum.Failed++
				rep := reportOf(explain(r.Err, req))
				line.Error = &rep
				if firstFail == nil {
					firstFail = &r
				}
			} else {
				sum.Updated++
			}
			if writeErr != nil {
				return
			}
			switch t.output {
			case outputJSON:
				sum.Results = append(sum.Results, line)
			case outputJSONL:
				writeErr = writeJSON(out, outputJSONL, struct {
					Type string `json:"type"`
					resultLine
				}{"result", line})
			default:
				result := "ok"
				if line.Error != nil {
					result = line.Error.Message
				}
				writeErr = table.row(line.CallID, line.Label, result)
			}
		})
	bar.stop()
	table.w = stdout // the bar is gone: what is left goes straight to stdout
	if writeErr != nil {
		return writeErr
	}
	if err != nil && sum.Updated+sum.Failed == 0 {
		return t.wrap(err) // refused before anything was sent, or the listing failed at once
	}
	if perr := printSummary(stdout, t.output, table, sum); perr != nil {
		return perr
	}
	if err != nil {
		return t.wrap(err)
	}
	if firstFail != nil {
		return fmt.Errorf("%d of %d updates failed; first, %s: %w", sum.Failed, sum.Failed+sum.Updated, firstFail.Call, explain(firstFail.Err, req))
	}
	return nil
}

// printSummary ends update --all's output with the counts.
func printSummary(w io.Writer, format outputFlag, table *streamTable, sum batchSummary) error {
	switch format {
	case outputJSON:
		if sum.Results == nil {
			sum.Results = []resultLine{}
		}
		return writeJSON(w, outputJSON, sum)
	case outputJSONL:
		return writeJSON(w, outputJSONL, struct {
			Type string `json:"type"`
			batchSummary
		}{"summary", sum})
	}
	if err := table.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "updated %d, failed %d, rate-limited %d\n", sum.Updated, sum.Failed, sum.RateLimited)
	return err
}
