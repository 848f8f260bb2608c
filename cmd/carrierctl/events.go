package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carrierkit/carrierkit/events"
	"github.com/carrierkit/carrierkit/internal/emulator"
)

const eventsShutdownTimeout = 5 * time.Second

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("events", eventsUsage(events.Receivers()))
	listen := fs.String("listen", "127.0.0.1:9090", "`address` to listen on (port 0 picks a free one)")
	publicURL := fs.String("public-url", "", "the `URL` the carrier posts to, as signed (default: http://the listen address)")
	trust := fs.Bool("trust-forwarded", false, "take the signed URL's scheme and host from X-Forwarded-Proto/-Host (only behind your own proxy)")
	output := addOutput(fs)
	emu := fs.String("emulator", "", "the base `URL` of a carrierctl emulate to take the secrets from and subscribe to")
	count := fs.Int("count", 0, "stop after `N` events (0: until interrupted)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *count < 0 {
		return usagef("--count: want a count >= 0")
	}
	var info map[string]emulator.VendorInfo
	if *emu != "" {
		var err error
		if info, err = emulatorInfo(ctx, *emu); err != nil {
			return usagef("--emulator: %v", err)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	src := events.URLSource{PublicURL: *publicURL, TrustForwardedHeaders: *trust}
	if src.PublicURL == "" && !src.TrustForwardedHeaders {
		src.PublicURL = base
	}
	rcvs, err := eventReceivers(src, info)
	if err != nil {
		ln.Close()
		return err
	}
	if len(rcvs) == 0 {
		ln.Close()
		if info != nil {
			return usagef("--emulator: the emulator gives no webhook keys for any receiver (%s)", strings.Join(receiverPaths(events.Receivers()), ", "))
		}
		return usagef("no secret set: set %s, or use --emulator", secretChoices(events.Receivers()))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &eventPrinter{w: stdout, json: output.isJSON(), limit: *count, done: cancel}
	mux := http.NewServeMux()
	var paths []string
	for _, r := range rcvs {
		mux.Handle("/"+r.provider, events.NewHandler(r.rcv, p.print, events.HandlerOptions{
			OnError: func(req *http.Request, err error) {
				fmt.Fprintf(stderr, "refused %s %s: %v\n", req.Method, req.URL.Path, err)
			},
		}))
		paths = append(paths, base+"/"+r.provider)
	}
	fmt.Fprintf(stderr, "listening on %s (%s)\n", base, strings.Join(paths, " "))
	if !p.json {
		p.header()
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if *emu != "" {
		if err := subscribe(ctx, *emu, rcvs, base); err != nil {
			cancel()
			_ = srv.Close()
			<-served
			return fmt.Errorf("--emulator: %w", err)
		}
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), eventsShutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	<-served
	return nil
}

type namedReceiver struct {
	provider string
	rcv      events.Receiver
}

// eventsUsage is the usage of carrierctl events, with a path per receiver
// of package events and the environment variables it is built from.
func eventsUsage(rcvs []events.ReceiverInfo) string {
	var b strings.Builder
	b.WriteString("events [--listen ADDR] [--public-url URL | --trust-forwarded] [--output table|json|jsonl] [--emulator URL] [--count N]\n\n" +
		"Receives conference callbacks, verifies each as its carrier signs it, and prints the neutral\n" +
		"events (github.com/carrierkit/carrierkit/events), one line each as they come: table rows, or\n" +
		"with --output json or jsonl one JSON object a line (the stream has no end to wrap a document).\n" +
		"Paths, each served when its secrets are set in the environment:\n")
	width := 0
	for _, p := range receiverPaths(rcvs) {
		width = max(width, len(p))
	}
	for _, r := range rcvs {
		fmt.Fprintf(&b, "  %-*s  %s\n  %-*s  %s\n", width, "/"+r.Provider, r.Description, width, "", secretEnvs(r, " and "))
	}
	b.WriteString("--emulator URL takes the secrets from a running carrierctl emulate instead, and points every\n" +
		"demo conference's status callback at this receiver. Refused requests are reported on stderr.\n" +
		"The address it listens on is the first line on stderr.")
	return b.String()
}

func receiverPaths(rcvs []events.ReceiverInfo) []string {
	out := make([]string, len(rcvs))
	for i, r := range rcvs {
		out[i] = "/" + r.Provider
	}
	return out
}

// secretEnvs names r's environment variables, with their formats.
func secretEnvs(r events.ReceiverInfo, sep string) string {
	names := make([]string, len(r.Secrets))
	for i, s := range r.Secrets {
		names[i] = s.Env
		if s.Format != "" {
			names[i] += " (" + s.Format + ")"
		}
	}
	return strings.Join(names, sep)
}

// secretChoices is "A, B or C and D": any one receiver's secrets.
func secretChoices(rcvs []events.ReceiverInfo) string {
	var out string
	for i, r := range rcvs {
		switch {
		case i == 0:
		case i == len(rcvs)-1:
			out += " or "
		default:
			out += ", "
		}
		out += secretEnvs(r, " and ")
	}
	return out
}

// eventReceivers makes a receiver per carrier whose secrets are known:
// from the emulator's webhook_keys when info is set, else the environment.
func eventReceivers(src events.URLSource, info map[string]emulator.VendorInfo) ([]namedReceiver, error) {
	var out []namedReceiver
	for _, r := range events.Receivers() {
		values := make([]string, len(r.Secrets))
		names := make([]string, len(r.Secrets))
		set := 0
		for i, s := range r.Secrets {
			if info != nil {
				values[i], names[i] = info[r.Provider].WebhookKeys[s.Name], r.Provider+" webhook key "+s.Name
			} else {
				values[i], names[i] = os.Getenv(s.Env), s.Env
			}
			if values[i] != "" {
				set++
			}
		}
		switch {
		case set == 0:
			continue
		case set < len(values) && len(values) == 2:
			return nil, usagef("%s: set both or neither", strings.Join(names, " and "))
		case set < len(values):
			return nil, usagef("%s: set all or none", strings.Join(names, ", "))
		}
		rcv, err := r.New(values, src)
		if err != nil {
			return nil, usagef("%s: %v", strings.Join(names, " and "), err)
		}
		out = append(out, namedReceiver{r.Provider, rcv})
	}
	return out, nil
}

var eventsClient = &http.Client{Timeout: 10 * time.Second}

func emulatorInfo(ctx context.Context, base string) (map[string]emulator.VendorInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+emulator.AdminPrefix+"info", nil)
	if err != nil {
		return nil, err
	}
	resp, err := eventsClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var info map[string]emulator.VendorInfo
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %sinfo: %s", emulator.AdminPrefix, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("GET %sinfo: %v", emulator.AdminPrefix, err)
	}
	return info, nil
}

// subscribe points each demo conference's status callback at this receiver.
func subscribe(ctx context.Context, emu string, rcvs []namedReceiver, base string) error {
	for _, r := range rcvs {
		body, _ := json.Marshal(emulator.Callback{Provider: r.provider, URL: base + "/" + r.provider})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(emu, "/")+emulator.AdminPrefix+"callbacks", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := eventsClient.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("POST %scallbacks for %s: %s %s", emulator.AdminPrefix, r.provider, resp.Status, bytes.TrimSpace(msg))
		}
	}
	return nil
}

// eventPrinter writes one line per event, from any handler goroutine.
type eventPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	json  bool
	limit int
	n     int
	done  func()
}

const eventRow = "%-24s %-10s %-26s %-36s %-36s %-10s %-22s %s\n"

func (p *eventPrinter) header() {
	fmt.Fprintf(p.w, eventRow, "TIME", "CARRIER", "TYPE", "CONFERENCE", "CALL", "LABEL", "STATE", "SEQ")
}

func (p *eventPrinter) print(_ context.Context, ev events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limit > 0 && p.n >= p.limit {
		return nil
	}
	p.n++
	if p.json {
		if err := json.NewEncoder(p.w).Encode(ev); err != nil {
			return err
		}
	} else {
		seq := "-"
		if ev.HasSequence {
			seq = strconv.FormatUint(ev.Sequence, 10)
		}
		if ev.OutOfOrder {
			seq += " (out of order)"
		}
		fmt.Fprintf(p.w, eventRow, ev.Time.UTC().Format(time.RFC3339), ev.Carrier, ev.Type, cell(ev.Conference), cell(ev.Call),
			cell(ev.Label), stateText(ev.State), seq)
	}
	if p.limit > 0 && p.n == p.limit {
		p.done()
	}
	return nil
}

// stateText shows the reported state: muted/held with - for "not said".
func stateText(s events.State) string {
	f := func(name string, b *bool) string {
		switch {
		case b == nil:
			return ""
		case *b:
			return name
		default:
			return "!" + name
		}
	}
	var parts []string
	for _, p := range []string{f("muted", s.Muted), f("hold", s.Hold), f("coaching", s.Coaching)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}
