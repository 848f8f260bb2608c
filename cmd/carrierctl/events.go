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

// The environment variables carrierctl events reads the webhook secrets
// from (never flags).
const (
	envTwilioAuthToken    = "TWILIO_AUTH_TOKEN"
	envSignalWireKey      = "SIGNALWIRE_SIGNING_KEY"
	envTelnyxPublicKey    = "TELNYX_PUBLIC_KEY"
	envBandwidthCbUser    = "BANDWIDTH_CALLBACK_USERNAME"
	envBandwidthCbPass    = "BANDWIDTH_CALLBACK_PASSWORD"
	eventsShutdownTimeout = 5 * time.Second
)

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("events", "events [--listen ADDR] [--public-url URL | --trust-forwarded] [--output table|json|jsonl] [--emulator URL] [--count N]\n\n"+
		"Receives conference callbacks, verifies each as its carrier signs it, and prints the neutral\n"+
		"events (github.com/carrierkit/carrierkit/events), one line each as they come: table rows, or\n"+
		"with --output json or jsonl one JSON object a line (the stream has no end to wrap a document).\n"+
		"Paths: /twilio, /signalwire, /texml, /bandwidth; each is served when its secret is set:\n"+
		"  "+envTwilioAuthToken+", "+envSignalWireKey+", "+envTelnyxPublicKey+" (base64 Ed25519),\n"+
		"  "+envBandwidthCbUser+" with "+envBandwidthCbPass+".\n"+
		"--emulator URL takes the secrets from a running carrierctl emulate instead, and points every\n"+
		"demo conference's status callback at this receiver. Refused requests are reported on stderr.\n"+
		"The address it listens on is the first line on stderr.")
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
		return usagef("no secret set: set %s, %s, %s or %s and %s, or use --emulator", envTwilioAuthToken, envSignalWireKey,
			envTelnyxPublicKey, envBandwidthCbUser, envBandwidthCbPass)
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

// eventReceivers makes a receiver per carrier whose secret is known: from
// the emulator's webhook_keys when info is set, else the environment.
func eventReceivers(src events.URLSource, info map[string]emulator.VendorInfo) ([]namedReceiver, error) {
	key := func(provider, name, env string) string {
		if info != nil {
			return info[provider].WebhookKeys[name]
		}
		return os.Getenv(env)
	}
	var out []namedReceiver
	if k := key(events.ProviderTwilio, emulator.KeyAuthToken, envTwilioAuthToken); k != "" {
		out = append(out, namedReceiver{events.ProviderTwilio, &events.Twilio{AuthToken: k, URLSource: src}})
	}
	if k := key(events.ProviderSignalWire, emulator.KeySigningKey, envSignalWireKey); k != "" {
		out = append(out, namedReceiver{events.ProviderSignalWire, &events.SignalWire{SigningKey: k, URLSource: src}})
	}
	if k := key(events.ProviderTeXML, emulator.KeyEd25519PublicKey, envTelnyxPublicKey); k != "" {
		pub, err := events.ParsePublicKey(k)
		if err != nil {
			return nil, usagef("%s: want a base64 Ed25519 public key (32 bytes)", envTelnyxPublicKey)
		}
		out = append(out, namedReceiver{events.ProviderTeXML, &events.TeXML{PublicKey: pub}})
	}
	user := key(events.ProviderBandwidth, emulator.KeyBasicUsername, envBandwidthCbUser)
	pass := key(events.ProviderBandwidth, emulator.KeyBasicPassword, envBandwidthCbPass)
	if (user == "") != (pass == "") {
		return nil, usagef("%s and %s: set both or neither", envBandwidthCbUser, envBandwidthCbPass)
	}
	if user != "" {
		out = append(out, namedReceiver{events.ProviderBandwidth, &events.Bandwidth{Username: user, Password: pass}})
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
