package main

import (
	"cmp"
	"context"
	"io"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/conformance/fault"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

func runEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var routes []string
	for _, c := range emulated.Carriers() {
		routes = append(routes, c.Name+" under "+c.Prefix+"/")
	}
	fs := newFlagSet("emulate", "emulate [--listen ADDR] [--endpoints N] [--fault SPEC]... [--participants N] [--max-concurrent N] [--latency D] [--callback PROVIDER=URL]...\n\n"+
		"Serves fakes of every carrier ("+strings.Join(routes, ", ")+") on one\n"+
		"address, each seeded with a demo conference. Prints first, per provider, its base_url (as\n"+
		"--base-url takes it), account, credentials (as environment variables), demo conference,\n"+
		"participant count and demo participants: a table, or with --output json|jsonl the JSON\n"+
		"object of /_emulator/info. Stops cleanly on SIGINT or SIGTERM.\n\n"+
		"--endpoints N serves every provider on N listeners sharing one state, as a carrier's edges\n"+
		"share a region (base_urls in the JSON line); a fault can target one with @N or \"endpoint\":N,\n"+
		"and refuse@N (or {\"refuse\":true,\"endpoint\":N}) makes one refuse connections until\n"+
		"the faults are cleared.\n\n"+
		"Admin API: GET /_emulator/info; POST /_emulator/faults with\n"+
		`{"provider":"twilio","status":503,"code":"20503","message":"…","retry_after":1,`+"\n"+
		`"delay":"2s","drop":false,"reset":false,"malformed":false,"hang":false,"endpoint":1,"times":2} (times -1: until cleared);`+"\n"+
		"DELETE /_emulator/faults; GET /_emulator/requests[?provider=twilio]; DELETE /_emulator/requests;\n"+
		"GET /_emulator/stats (requests answered 429 by --max-concurrent); POST /_emulator/callbacks with\n"+
		`{"provider":"twilio","url":"http://127.0.0.1:9090/twilio"}`+" (as --callback); GET /_emulator/deliveries.")
	listen := fs.String("listen", "127.0.0.1:8080", "`address` to serve on (port 0 picks a free one)")
	endpoints := fs.Int("endpoints", 1, "`count` of listeners (endpoints) serving the same state; with a fixed port, the next ports")
	var faults []emulator.Fault
	fs.Func("fault", "inject a `fault` (repeatable): PROVIDER:STATUS|drop|reset|malformed|hang|truncate|trickle[:TIMES|always][@ENDPOINT]\nor refuse@ENDPOINT, e.g. twilio:503:2, twilio:hang:always@1, refuse@1",
		func(s string) error {
			f, err := fault.Parse(s)
			faults = append(faults, f)
			return err
		})
	var callbacks []emulator.Callback
	fs.Func("callback", "post a conference's status callbacks to a URL (repeatable): `PROVIDER[:CONFERENCE]=[GET:]URL`,\nsigned as the carrier signs them (keys in webhook_keys); see carrierctl events",
		func(s string) error {
			c, err := emulator.ParseCallback(s)
			callbacks = append(callbacks, c)
			return err
		})
	verbose := fs.Bool("v", false, "log each request to stderr (never credentials)")
	size := fs.Int("participants", 0, "grow each demo conference to `N` participants (labels participant-3, …)")
	var load vendorfake.Load
	fs.IntVar(&load.MaxConcurrent, "max-concurrent", 0, "answer 429 (twilio 20429, texml 10011) past `N` requests in flight per account (0: no limit)")
	fs.Var(durationFlag{&load.Latency}, "latency", "add this `duration` to every answer, e.g. 20ms")
	output := addOutput(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	e := emulated.New()
	defer e.Close()
	e.Logger = newLogger(*verbose, stderr)
	if *endpoints < 1 || *endpoints > 64 {
		return usagef("--endpoints: want a count from 1 to 64")
	}
	if *endpoints == 1 {
		for _, f := range faults {
			if err := e.Inject(f); err != nil {
				return usagef("--fault: %v", err)
			}
		}
	}
	if err := e.SeedParticipants(*size); err != nil {
		return usagef("--%v", err)
	}
	if err := e.SetLoad(load); err != nil {
		return usagef("--max-concurrent, --latency: %v", err)
	}
	for _, c := range callbacks {
		if err := e.SetCallback(c); err != nil {
			return usagef("--callback: %v", err)
		}
	}
	if *endpoints > 1 {
		return emulateEndpoints(ctx, e, *listen, *endpoints, faults, stdout, *output)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if err := printEmulatorInfo(stdout, *output, e.Info("http://"+ln.Addr().String())); err != nil {
		ln.Close()
		return err
	}
	return e.Serve(ctx, ln)
}

// emulateEndpoints serves e on n listeners: --listen's port and the next
// ones, or n free ports for port 0.
func emulateEndpoints(ctx context.Context, e *emulator.Emulator, listen string, n int, faults []emulator.Fault, stdout io.Writer, output outputFlag) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return usagef("--listen: %v", err)
	}
	first, err := strconv.Atoi(port)
	if err != nil {
		return usagef("--listen: the port must be a number")
	}
	var lns []net.Listener
	var bases []string
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for i := range n {
		p := 0
		if first != 0 {
			p = first + i
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			closeAll()
			return err
		}
		lns = append(lns, ln)
		bases = append(bases, "http://"+ln.Addr().String())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait, err := e.StartEndpoints(ctx, lns)
	if err != nil {
		closeAll()
		return err
	}
	// Faults are injected once the endpoints serve (refuse closes a listener).
	for _, f := range faults {
		if err := e.Inject(f); err != nil {
			cancel()
			_ = wait()
			return usagef("--fault: %v", err)
		}
	}
	if err := printEmulatorInfo(stdout, output, e.InfoEndpoints(bases)); err != nil {
		cancel()
		_ = wait()
		return err
	}
	return wait()
}

// printEmulatorInfo writes what a client needs to reach each fake: as the
// admin API's info object (json, jsonl), or a table with the credentials
// as shell assignments.
func printEmulatorInfo(w io.Writer, format outputFlag, info map[string]emulator.VendorInfo) error {
	if format.isJSON() {
		return writeJSON(w, format, info)
	}
	names := slices.Sorted(maps.Keys(info))
	t := newStreamTable(w, []string{"PROVIDER", "BASE_URL", "ACCOUNT", "CONFERENCE", "PARTICIPANTS", "AGENT", "CREDENTIALS"}, 10, 30, 34, 34)
	for _, name := range names {
		vi := info[name]
		base := vi.BaseURL
		if len(vi.BaseURLs) > 1 {
			base = strings.Join(vi.BaseURLs, ",")
		}
		var creds []string
		for _, k := range slices.Sorted(maps.Keys(vi.Credentials)) {
			creds = append(creds, k+"="+vi.Credentials[k])
		}
		agent := ""
		if len(vi.Participants) > 0 {
			agent = cmp.Or(vi.Participants[0].Label, vi.Participants[0].Call)
		}
		if err := t.row(name, base, vi.Account, vi.Conference, strconv.Itoa(vi.ParticipantCount), agent, strings.Join(creds, " ")); err != nil {
			return err
		}
	}
	return t.flush()
}
