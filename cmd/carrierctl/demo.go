package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/texml"
	"github.com/carrierkit/carrierkit/providers/twilio"
)

// demoUpdate is the neutral update the demo sends to every carrier.
var demoUpdate = participant.UpdateRequest{
	Muted:      participant.Bool(true),
	Hold:       participant.Bool(true),
	HoldURL:    participant.String("https://example.com/hold-music.xml"),
	HoldMethod: participant.MethodGET,
	BeepOnExit: participant.Bool(false),
}

// demoLeg is what one carrier received and answered.
type demoLeg struct {
	Provider string                   `json:"provider"`
	URL      string                   `json:"url"`
	Request  emulator.Request         `json:"request"`
	Result   *participant.Participant `json:"result"`
}

// demoRefusal is the update a carrier cannot carry, refused before sending.
type demoRefusal struct {
	Provider     string `json:"provider"`
	Update       string `json:"update"`
	Error        string `json:"error"`
	RequestsSent int    `json:"requests_sent"`
}

type demoReport struct {
	Emulator string        `json:"emulator"`
	Update   string        `json:"update"`
	Call     string        `json:"call"`
	Legs     []demoLeg     `json:"carriers"`
	Refusal  demoRefusal   `json:"refusal"`
	Failover *demoFailover `json:"failover"`
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "demo [--output table|json] [-v]\n\n"+
		"Starts the emulator in-process on 127.0.0.1 (no setup, no network), sends one neutral\n"+
		"update through each adapter and shows the wire request each carrier received beside\n"+
		"the neutral result; then shows texml refusing WaitMethod with nothing sent; then a failover:\n"+
		"the primary endpoint refuses connections, the secondary serves, the breaker opens.")
	output := outputFlag("table")
	fs.Var(&output, "output", "output `format`: table or json")
	verbose := fs.Bool("v", false, "debug logs to stderr (never credentials)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	log := newLogger(*verbose, stderr)
	defer func() { _ = log.Sync() }()
	rep, err := demo(ctx, providers.Options{Logger: log, UserAgent: "carrierctl-demo"})
	if err != nil {
		return err
	}
	if output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.print(stdout)
}

// demo starts an emulator, walks demoUpdate through every carrier and
// stops it.
func demo(ctx context.Context, opts providers.Options) (*demoReport, error) {
	e := emulator.New()
	base, stop, err := e.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer stop()
	info := e.Info(base)
	// Credentials are set in code on each adapter's URLOpener: the demo
	// reads no environment.
	tw, tx := info[twilio.Name], info[texml.Name]
	mux := new(providers.URLMux)
	mux.RegisterUpdater(twilio.Scheme, &twilio.URLOpener{AccountSID: tw.Account,
		AuthToken: tw.Credentials[twilio.EnvAuthToken], Options: opts})
	mux.RegisterUpdater(texml.Scheme, &texml.URLOpener{Account: tx.Account,
		APIKey: tx.Credentials[texml.EnvAPIKey], Options: opts})

	rep := &demoReport{Emulator: base, Update: describe(demoUpdate), Call: emulator.AgentLabel}
	updaters := map[string]participant.Updater{}
	for _, v := range e.Vendors() {
		urlstr := v.Name + "://?base_url=" + url.QueryEscape(info[v.Name].BaseURL)
		u, err := mux.OpenUpdater(ctx, urlstr)
		if err != nil {
			return nil, err
		}
		updaters[v.Name] = u
		ref := participant.Ref{Conference: v.Conference, Call: emulator.AgentLabel}
		p, err := u.Update(ctx, ref, demoUpdate)
		if err != nil {
			return nil, err
		}
		reqs, _ := e.Requests(v.Name)
		rep.Legs = append(rep.Legs, demoLeg{Provider: v.Name, URL: urlstr, Request: reqs[len(reqs)-1], Result: p})
	}

	wait := participant.UpdateRequest{WaitURL: participant.String("https://example.com/wait-music.xml"),
		WaitMethod: participant.MethodPOST}
	before, _ := e.Requests(texml.Name)
	_, err = updaters[texml.Name].Update(ctx, participant.Ref{Conference: tx.Conference, Call: emulator.AgentLabel}, wait)
	if !errors.Is(err, participant.ErrUnsupported) {
		return nil, fmt.Errorf("demo: texml should refuse WaitMethod, got %v", err)
	}
	after, _ := e.Requests(texml.Name)
	rep.Refusal = demoRefusal{Provider: texml.Name, Update: describe(wait), Error: err.Error(),
		RequestsSent: len(after) - len(before)}
	if rep.Failover, err = demoFailoverRun(ctx, mux, opts); err != nil {
		return nil, err
	}
	return rep, nil
}

// print writes the report for a person: each wire request, then the forms
// and neutral results side by side.
func (r *demoReport) print(w io.Writer) error {
	fmt.Fprintf(w, "carrierctl demo: one neutral update, %d carriers, in-process emulator at %s\n\n", len(r.Legs), r.Emulator)
	fmt.Fprintf(w, "neutral update:  %s\nparticipant:     label %q in each carrier's demo conference\n\n", r.Update, r.Call)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "wire requests")
	for _, l := range r.Legs {
		fmt.Fprintf(tw, "  %s\t%s %s\n", l.Provider, l.Request.Method, l.Request.Path)
		fmt.Fprintf(tw, "  \tAuthorization: %s (credential not shown), Content-Type: %s\n", l.Request.Auth, l.Request.ContentType)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	header := "\t"
	forms, results := make([][][2]string, len(r.Legs)), make([][][2]string, len(r.Legs))
	for i, l := range r.Legs {
		header += "\t" + l.Provider
		forms[i] = formRows(l.Request.Body)
		results[i] = participantRows(l.Result)
	}
	fmt.Fprintln(tw, header)
	sideBySide(tw, "form body", forms)
	sideBySide(tw, "neutral result", results)
	if err := tw.Flush(); err != nil {
		return err
	}
	f := r.Refusal
	if _, err := fmt.Fprintf(w, "\n%s refuses %s before sending (requests sent: %d):\n  %s\n",
		f.Provider, f.Update, f.RequestsSent, f.Error); err != nil {
		return err
	}
	return r.Failover.print(w)
}

// sideBySide writes one row per key, a column per carrier, under title.
func sideBySide(w io.Writer, title string, cols [][][2]string) {
	var keys []string
	vals := make([]map[string]string, len(cols))
	for i, rows := range cols {
		vals[i] = map[string]string{}
		for _, r := range rows {
			if !slices.Contains(keys, r[0]) {
				keys = append(keys, r[0])
			}
			vals[i][r[0]] = r[1]
		}
	}
	for i, k := range keys {
		if i > 0 {
			title = ""
		}
		line := title + "\t" + k
		for _, v := range vals {
			line += "\t" + cmp.Or(v[k], "-")
		}
		fmt.Fprintln(w, line)
	}
}

// formRows splits a form body into name, value rows in wire order.
func formRows(body string) [][2]string {
	var rows [][2]string
	for _, kv := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		rows = append(rows, [2]string{k, v})
	}
	return rows
}

// describe lists the fields req sets, e.g. "Muted=true HoldMethod=GET".
func describe(req participant.UpdateRequest) string {
	v := reflect.ValueOf(req)
	var parts []string
	for _, f := range req.Fields().Fields() {
		parts = append(parts, fmt.Sprintf("%s=%v", f, reflect.Indirect(v.FieldByName(f.String()))))
	}
	return strings.Join(parts, " ")
}
