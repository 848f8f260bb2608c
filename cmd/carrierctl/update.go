package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
)

// targetSynopsis names the registered carriers.
func targetSynopsis() string {
	return "(--provider " + strings.Join(providers.DefaultURLMux().Schemes(), "|") +
		" [--account ID] | --config FILE [--carrier NAME]) --conference ID --call ID_OR_LABEL"
}

func runUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("update", "update "+targetSynopsis()+" [field flags]\n\n"+
		"Sets only the fields given; a field flag left out leaves the value as it is.\n"+
		"Boolean fields take a value: --muted true, --hold=false.\n"+
		"Prints the participant as the carrier reports it afterwards.\n\n"+
		"With --all instead of --call, updates every participant of the conference but those\n"+
		"named by --except (a call id or label, repeatable; one that matches no participant fails\n"+
		"the whole batch, exit 2, before anything is sent), a bounded number at a time, and\n"+
		"prints one line per participant as each completes (--output jsonl: one JSON object a\n"+
		"line, then a summary line); it exits non-zero if any update failed. Progress (done,\n"+
		"failed, rate-limited, in flight, the limiter's current limit) is drawn on stderr when\n"+
		"it is a terminal.")
	t := addTarget(fs)
	var req participant.UpdateRequest
	fs.Var(boolFlag{&req.Muted}, "muted", "mute or unmute (`true|false`)")
	fs.Var(boolFlag{&req.Hold}, "hold", "put on hold or take off hold (`true|false`)")
	fs.Var(stringFlag{&req.HoldURL}, "hold-url", "music or TwiML/TeXML `URL` played while on hold")
	fs.Var(methodFlag{&req.HoldMethod}, "hold-method", "`GET|POST` for --hold-url")
	fs.Var(stringFlag{&req.AnnounceURL}, "announce-url", "`URL` played to the participant once")
	fs.Var(methodFlag{&req.AnnounceMethod}, "announce-method", "`GET|POST` for --announce-url")
	fs.Var(stringFlag{&req.WaitURL}, "wait-url", "wait music `URL` before the conference starts; \"\" turns it off")
	fs.Var(methodFlag{&req.WaitMethod}, "wait-method", "`GET|POST` for --wait-url")
	fs.Var(boolFlag{&req.BeepOnExit}, "beep-on-exit", "beep when the participant leaves (`true|false`)")
	fs.Var(boolFlag{&req.EndConferenceOnExit}, "end-conference-on-exit", "end the conference when the participant leaves (`true|false`)")
	fs.Var(boolFlag{&req.Coaching}, "coaching", "make the participant a coach (`true|false`; true needs --coach-call)")
	fs.Var(stringFlag{&req.CallToCoach}, "coach-call", "call `id` of the participant being coached")
	all := addAllFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if all.all {
		t.noCall = true
		return t.updateAll(ctx, stdout, stderr, req, all)
	}
	for _, name := range []string{"except", "concurrency", "allow-missing-except", "progress", "no-progress"} {
		if all.set(name) {
			return usagef("--%s goes with --all", name)
		}
	}
	return t.do(ctx, stdout, stderr, func(ctx context.Context, u *carrierkit.Client, ref participant.Ref) (*participant.Participant, error) {
		p, err := u.Update(ctx, ref, req)
		return p, explain(err, req)
	})
}

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("get", "get "+targetSynopsis()+"\n\nPrints the participant as the carrier reports it.")
	t := addTarget(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	return t.do(ctx, stdout, stderr, func(ctx context.Context, u *carrierkit.Client, ref participant.Ref) (*participant.Participant, error) {
		return u.Fetch(ctx, ref)
	})
}

// do opens the carrier, runs op within the timeout and prints the result.
func (t *target) do(ctx context.Context, stdout, stderr io.Writer,
	op func(context.Context, *carrierkit.Client, participant.Ref) (*participant.Participant, error)) error {
	log := newLogger(t.verbose, stderr)
	defer func() { _ = log.Sync() }()
	u, ref, err := t.open(ctx, log)
	if err != nil {
		t.closeCoordination()
		return err
	}
	defer t.release(u)
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	p, err := op(ctx, u, ref)
	if err != nil {
		return t.wrap(err)
	}
	return printParticipant(stdout, string(t.output), p)
}

// printParticipant writes p as JSON (json indented, jsonl one line) or as
// a two-column table.
func printParticipant(w io.Writer, format string, p *participant.Participant) error {
	if f := outputFlag(format); f.isJSON() {
		return writeJSON(w, f, p)
	}
	return keyValues(w, participantRows(p))
}

// participantRows lists p's neutral fields by their JSON names.
func participantRows(p *participant.Participant) [][2]string {
	b := strconv.FormatBool
	rows := [][2]string{
		{"provider", p.Provider}, {"account_id", p.AccountID}, {"conference_id", p.ConferenceID},
		{"call_id", p.CallID}, {"label", p.Label}, {"status", string(p.Status)},
		{"muted", b(p.Muted)}, {"hold", b(p.Hold)}, {"coaching", b(p.Coaching)}, {"call_to_coach", p.CallToCoach},
		{"end_conference_on_exit", b(p.EndConferenceOnExit)},
	}
	if p.StartConferenceOnEnter != nil {
		rows = append(rows, [2]string{"start_conference_on_enter", b(*p.StartConferenceOnEnter)})
	}
	return append(rows, [2]string{"created", formatTime(p.Created)}, [2]string{"updated", formatTime(p.Updated)})
}

// formatTime is t in RFC 3339, or "" where the carrier reports no time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
