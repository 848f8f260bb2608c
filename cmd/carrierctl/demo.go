package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
)

// demoUpdate is the neutral update the demo sends to every carrier: the
// fields every registered carrier carries.
var demoUpdate = participant.UpdateRequest{
	Muted: participant.Bool(true),
	Hold:  participant.Bool(true),
}

// demoLeg is what one carrier received and answered.
type demoLeg struct {
	Provider string           `json:"provider"`
	URL      string           `json:"url"`
	CallID   string           `json:"call_id"` // the label, or the call id where the carrier has no labels
	Request  emulator.Request `json:"request"`
	// Calls are every write of the update, in order: one on most
	// carriers, one per action verb on Plivo and Vonage.
	Calls  []emulator.Request       `json:"calls"`
	Result *participant.Participant `json:"result"`
}

// demoRefusal is an update a carrier cannot carry, refused before sending.
type demoRefusal struct {
	Provider     string `json:"provider"`
	Update       string `json:"update"`
	Error        string `json:"error"`
	RequestsSent int    `json:"requests_sent"`
}

type demoReport struct {
	Emulator string        `json:"emulator"`
	Update   string        `json:"update"`
	Legs     []demoLeg     `json:"carriers"`
	Refusals []demoRefusal `json:"refusals"`
	Failover *demoFailover `json:"failover"`
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "demo [--output table|json|jsonl] [-v]\n\n"+
		"Starts the emulator in-process on 127.0.0.1 (no setup, no network), sends one neutral\n"+
		"update through every carrier's adapter and shows the wire request each carrier received\n"+
		"beside the neutral result; then shows each carrier refusing a field it cannot carry,\n"+
		"with nothing sent; then a failover: the primary endpoint refuses connections, the\n"+
		"secondary serves, the breaker opens.")
	output := addOutput(fs)
	verbose := fs.Bool("v", false, "debug logs to stderr (never credentials)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	log := newLogger(*verbose, stderr)
	defer func() { _ = log.Sync() }()
	rep, err := demo(ctx, driver.Options{Logger: log, UserAgent: "carrierctl-demo"})
	if err != nil {
		return err
	}
	if output.isJSON() {
		return writeJSON(stdout, *output, rep)
	}
	return rep.print(stdout)
}

// demo starts an emulator, walks demoUpdate through every carrier, has
// each refuse a field it cannot carry, and stops it.
func demo(ctx context.Context, opts driver.Options) (*demoReport, error) {
	e := emulated.New()
	base, stop, err := e.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer stop()
	info := e.Info(base)
	rep := &demoReport{Emulator: base, Update: describe(demoUpdate)}
	for _, v := range e.Vendors() {
		// Credentials are set in code on the adapter's URLOpener: the demo
		// reads no environment.
		mux, err := emulated.DemoMux(v.Carrier, v.Demo, opts)
		if err != nil {
			return nil, err
		}
		urlstr := v.Name + "://?base_url=" + url.QueryEscape(info[v.Name].BaseURL)
		u, err := mux.OpenUpdater(ctx, urlstr)
		if err != nil {
			return nil, err
		}
		ref := demoRef(v, u.Capabilities())
		p, err := u.Update(ctx, ref, demoUpdate)
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", v.Name, err)
		}
		reqs, _ := e.Requests(v.Name)
		rep.Legs = append(rep.Legs, demoLeg{Provider: v.Name, URL: urlstr, CallID: ref.Call,
			Request: firstUpdate(reqs), Calls: writes(reqs), Result: p})

		refused, ok := unsupportedUpdate(u.Capabilities())
		if !ok {
			continue
		}
		_, err = u.Update(ctx, ref, refused)
		if !errors.Is(err, participant.ErrUnsupported) {
			return nil, fmt.Errorf("demo: %s should refuse %s, got %v", v.Name, describe(refused), err)
		}
		after, _ := e.Requests(v.Name)
		rep.Refusals = append(rep.Refusals, demoRefusal{Provider: v.Name, Update: describe(refused), Error: err.Error(),
			RequestsSent: len(after) - len(reqs)})
	}
	if rep.Failover, err = demoFailoverRun(ctx, opts); err != nil {
		return nil, err
	}
	return rep, nil
}

// demoRef names v's first demo participant: by its label where the
// carrier has labels, else by its call id.
func demoRef(v *emulator.Vendor, caps participant.Capabilities) participant.Ref {
	ref := participant.Ref{Account: v.Account, Conference: v.Conference, Call: v.Participants[0].Call}
	if caps.Labels && v.Participants[0].Label != "" {
		ref.Call = v.Participants[0].Label
	}
	return ref
}

// firstUpdate is the update among a leg's requests (a carrier that answers
// 204 is read back with a GET after it).
func firstUpdate(reqs []emulator.Request) emulator.Request {
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			return r
		}
	}
	return reqs[len(reqs)-1]
}

// calls are the leg's writes, or its one request.
func (l demoLeg) calls() []emulator.Request {
	if len(l.Calls) > 0 {
		return l.Calls
	}
	return []emulator.Request{l.Request}
}

// writes are the requests of a leg that are not reads.
func writes(reqs []emulator.Request) []emulator.Request {
	var out []emulator.Request
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// unsupportedUpdate returns an update setting the first field caps cannot
// carry, with a valid value (ok is false when caps carry every field).
func unsupportedUpdate(caps participant.Capabilities) (participant.UpdateRequest, bool) {
	var req participant.UpdateRequest
	for _, f := range participant.AllFields() {
		if caps.Supports(f) {
			continue
		}
		switch f {
		case participant.FieldHoldURL:
			req.HoldURL = participant.String("https://example.com/hold-music.xml")
		case participant.FieldHoldMethod:
			req.HoldMethod = participant.MethodGET
		case participant.FieldAnnounceURL:
			req.AnnounceURL = participant.String("https://example.com/announce.xml")
		case participant.FieldAnnounceMethod:
			req.AnnounceMethod = participant.MethodPOST
		case participant.FieldWaitURL:
			req.WaitURL = participant.String("https://example.com/wait-music.xml")
		case participant.FieldWaitMethod:
			req.WaitURL = participant.String("https://example.com/wait-music.xml")
			req.WaitMethod = participant.MethodPOST
		case participant.FieldBeepOnExit:
			req.BeepOnExit = participant.Bool(false)
		case participant.FieldEndConferenceOnExit:
			req.EndConferenceOnExit = participant.Bool(true)
		default:
			continue // Muted, Hold and coaching need no example here
		}
		return req, true
	}
	return req, false
}

// print writes the report for a person: each wire request, then the bodies
// and neutral results side by side.
func (r *demoReport) print(w io.Writer) error {
	fmt.Fprintf(w, "carrierctl demo: one neutral update, %d carriers, in-process emulator at %s\n\n", len(r.Legs), r.Emulator)
	fmt.Fprintf(w, "neutral update:  %s\nparticipant:     each carrier's demo agent (label %q where the carrier has labels, else its call id)\n\n",
		r.Update, emulator.AgentLabel)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "wire requests")
	for _, l := range r.Legs {
		calls := l.calls()
		for i, c := range calls {
			name := l.Provider
			if i > 0 {
				name = ""
			}
			fmt.Fprintf(tw, "  %s\t%s %s\n", name, c.Method, c.Path)
		}
		fmt.Fprintf(tw, "  \tAuthorization: %s (credential not shown), Content-Type: %s\n", l.Request.Auth, l.Request.ContentType)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	header := "\t"
	bodies, results := make([][][2]string, len(r.Legs)), make([][][2]string, len(r.Legs))
	for i, l := range r.Legs {
		header += "\t" + l.Provider
		for j, c := range l.calls() {
			for _, row := range bodyRows(c) {
				if j > 0 {
					row[0] += fmt.Sprintf(" (call %d)", j+1)
				}
				bodies[i] = append(bodies[i], row)
			}
		}
		results[i] = participantRows(l.Result)
	}
	fmt.Fprintln(tw, header)
	sideBySide(tw, "wire body", bodies)
	sideBySide(tw, "neutral result", results)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Refusals {
		if _, err := fmt.Fprintf(w, "\n%s refuses %s before sending (requests sent: %d):\n  %s\n",
			f.Provider, f.Update, f.RequestsSent, f.Error); err != nil {
			return err
		}
	}
	return r.Failover.print(w)
}

// bodyRows splits a form or JSON body into name, value rows in wire order
// (JSON: key order as sent).
func bodyRows(r emulator.Request) [][2]string {
	if !strings.HasPrefix(r.ContentType, "application/json") {
		return formRows(r.Body)
	}
	var rows [][2]string
	dec := json.NewDecoder(strings.NewReader(r.Body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return [][2]string{{"(body)", r.Body}}
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			break
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			break
		}
		rows = append(rows, [2]string{fmt.Sprint(k), string(v)})
	}
	return rows
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
