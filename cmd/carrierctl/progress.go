package main

// Progress of long work (update --all, conformance) is drawn on stderr by
// github.com/vbauerster/mpb/v8: only when stderr is a terminal, unless
// --progress or --no-progress says otherwise. Results keep going to
// stdout as they come; when stdout is the same terminal they are written
// above the bar, so the two never garble each other.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/participant"
)

// progressFlags are --progress and --no-progress.
type progressFlags struct{ on, off bool }

func addProgressFlags(fs *flag.FlagSet) *progressFlags {
	p := &progressFlags{}
	fs.BoolVar(&p.on, "progress", false, "draw progress on stderr even when it is not a terminal")
	fs.BoolVar(&p.off, "no-progress", false, "never draw progress (default: drawn only when stderr is a terminal)")
	return p
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// enabled decides whether progress is drawn on stderr.
func (p *progressFlags) enabled(stderr io.Writer) (bool, error) {
	switch {
	case p.on && p.off:
		return false, usagef("--progress and --no-progress: give one")
	case p.off:
		return false, nil
	case p.on:
		return true, nil
	}
	return isTerminal(stderr), nil
}

// progress is a running progress display: one bar and a line of counts.
// A nil *progress draws nothing.
type progress struct {
	p   *mpb.Progress
	bar *mpb.Bar
	// stdout is where results go: above the bar when stdout is the
	// terminal the bar is drawn on.
	stdout io.Writer
}

// newProgress starts a bar titled by title(), followed by status(); total
// is set later (setTotal) when it is not known yet.
func newProgress(stderr, stdout io.Writer, total int64, title, status func() string) *progress {
	opts := []mpb.ContainerOption{mpb.WithOutput(stderr), mpb.WithWidth(100), mpb.WithRefreshRate(100 * time.Millisecond)}
	if !isTerminal(stderr) {
		opts = append(opts, mpb.ForceTTY(), mpb.ForceAutoRefresh()) // --progress into a pipe or file
	}
	p := mpb.New(opts...)
	bar := p.New(total, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return title() }, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return status() })))
	pr := &progress{p: p, bar: bar, stdout: stdout}
	if isTerminal(stdout) && isTerminal(stderr) {
		pr.stdout = p
	}
	return pr
}

// out is where results are written while the bar runs.
func (pr *progress) out(stdout io.Writer) io.Writer {
	if pr == nil {
		return stdout
	}
	return pr.stdout
}

func (pr *progress) setTotal(n int64, done bool) {
	if pr != nil {
		pr.bar.SetTotal(n, done)
	}
}

func (pr *progress) increment() {
	if pr != nil {
		pr.bar.Increment()
	}
}

// stop completes the bar, draws it a last time and waits for it.
func (pr *progress) stop() {
	if pr == nil {
		return
	}
	pr.bar.SetTotal(-1, true)
	pr.p.Wait()
}

// batchCounts are update --all's live counts, kept by countingClient.
type batchCounts struct {
	listed, done, failed, rateLimited, inFlight atomic.Int64
}

func (c *batchCounts) status(limit func() int) string {
	return fmt.Sprintf("done %d/%d  failed %d  rate-limited %d  in-flight %d  limit %d",
		c.done.Load(), c.listed.Load(), c.failed.Load(), c.rateLimited.Load(), c.inFlight.Load(), limit())
}

// countingClient counts what a batch sends: the participants listed, the
// updates in flight and the rate-limited answers, as they happen.
type countingClient struct {
	*carrierkit.Client
	counts *batchCounts
	// listed is called with the count after each participant listed.
	listed func(n int64)
}

func (u *countingClient) Update(ctx context.Context, ref participant.Ref, req participant.UpdateRequest) (*participant.Participant, error) {
	u.counts.inFlight.Add(1)
	defer u.counts.inFlight.Add(-1)
	p, err := u.Client.Update(ctx, ref, req)
	if participant.CodeOf(err) == participant.CodeRateLimited {
		u.counts.rateLimited.Add(1)
	}
	return p, err
}

func (u *countingClient) List(ctx context.Context, conf participant.ConferenceRef, opts participant.ListOptions) iter.Seq2[*participant.Participant, error] {
	return func(yield func(*participant.Participant, error) bool) {
		for p, err := range u.Client.List(ctx, conf, opts) {
			if err == nil && u.listed != nil {
				u.listed(u.counts.listed.Add(1))
			}
			if !yield(p, err) {
				return
			}
		}
	}
}
