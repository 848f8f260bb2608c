package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit"
	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/internal/specdir"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/router"
)

// The example report in docs/conformance-example is generated against the
// emulator by TestConformanceExample.
//go:generate go test -run ^TestConformanceExample$ . -update-example

// profileFlag is core or full.
type profileFlag live.Profile

func (f *profileFlag) Set(s string) error {
	if s != string(live.ProfileCore) && s != string(live.ProfileFull) {
		return errors.New("must be core or full")
	}
	*f = profileFlag(s)
	return nil
}

func (f *profileFlag) String() string { return string(*f) }

// conformanceOptions are the flags beyond the target's.
type conformanceOptions struct {
	call2                  string
	profile                profileFlag
	allowRemove            bool
	junit, jsonFile, trans string
	specs                  string
	now                    func() time.Time // the report's date; tests fix it
	transport              http.RoundTripper
	progress               *progressFlags
}

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("conformance", "conformance "+targetSynopsis()+" [--call2 ID] [--profile core|full]\n"+
		"       [--allow-remove] [--junit FILE] [--json FILE] [--transcript DIR] [--specs DIR]\n\n"+
		"Certifies a live endpoint: runs carrierkit's live conformance checks against the participant\n"+
		"--call (a call id, or a label to also check label addressing) and prints a table. Every change\n"+
		"is undone and the undo verified; remove runs only with --call2 and --allow-remove. Exit status\n"+
		"0 only when every check run passed (certification needs every core check to pass); 1 when a\n"+
		"check failed; 2 for a usage error; 6 when the endpoint does not answer like the carrier's API\n"+
		"(reported once, as the cause, before any check). --timeout bounds each check. Rows are\n"+
		"printed as each check ends (--output jsonl: one JSON line each); the current check is\n"+
		"shown on stderr when it is a terminal.\n\n"+
		"With --config, --carrier names the carrier to certify; without it the carrier is the one\n"+
		"the account or the ids identify, and carrierctl refuses when they fit several.\n"+
		"The check spec.response-shape validates the answers against the vendor's OpenAPI spec in\n"+
		"a carrierctl built with it ("+specBuild+"); the released\n"+
		"build links no OpenAPI library and reports the check NA, saying so. The specs are found in\n"+
		"--specs, else $CARRIERKIT_SPECS, else shared/specs beside the carrierkit module carrierctl\n"+
		"was built from (never the current directory alone).")
	t := addTarget(fs)
	o := conformanceOptions{profile: profileFlag(live.ProfileCore), now: time.Now}
	fs.StringVar(&o.call2, "call2", "", "a second participant's call `id` in the conference: coached by the Coaching check, removed with --allow-remove")
	fs.Var(&o.profile, "profile", "checks to run: `core` (required for certification) or full (core plus optional checks)")
	fs.BoolVar(&o.allowRemove, "allow-remove", false, "let the remove check take --call2 out of the conference (cannot be undone)")
	fs.StringVar(&o.junit, "junit", "", "write JUnit XML to `file`")
	fs.StringVar(&o.jsonFile, "json", "", "write JSON lines (manifest, one line per check, latencies) to `file`")
	fs.StringVar(&o.trans, "transcript", "", "write every request and answer, credentials redacted, to `dir` (one file per check)")
	fs.StringVar(&o.specs, "specs", "", "`dir` holding the vendors' OpenAPI specs, for a carrierctl built with -tags carrierkit_spec (default $CARRIERKIT_SPECS, else shared/specs beside carrierctl's module)")
	o.progress = addProgressFlags(fs)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	return o.run(ctx, t, stdout, stderr)
}

func (o *conformanceOptions) run(ctx context.Context, t *target, stdout, stderr io.Writer) error {
	if o.allowRemove && o.call2 == "" {
		return usagef("--allow-remove needs --call2 (the participant to remove)")
	}
	if o.specs != "" {
		if st, err := os.Stat(o.specs); err != nil || !st.IsDir() {
			return usagef("--specs: %s is not a directory", o.specs)
		}
	}
	show, err := o.progress.enabled(stderr)
	if err != nil {
		return err
	}
	log := newLogger(t.verbose, stderr)
	defer func() { _ = log.Sync() }()
	// Open once to check the flags and learn the provider; nothing is sent.
	u, ref, err := t.open(ctx, log)
	if err != nil {
		return err
	}
	if t.file != "" && t.carrier == "" {
		if u, ref, err = o.pickCarrier(ctx, t, u, log); err != nil {
			return err
		}
	}
	caps := u.Capabilities()
	if o.profile == profileFlag(live.ProfileFull) && o.call2 == "" && caps.Supports(participant.FieldCoaching) {
		return usagef("--profile full needs --call2: the Coaching check coaches that participant")
	}
	env := live.Env{
		Open: func(opts driver.Options) (participant.Updater, error) {
			t.httpClient = opts.HTTPClient
			u, _, err := t.open(ctx, log)
			return u, err
		},
		Ref:           ref,
		AllowRemove:   o.allowRemove,
		Profile:       live.Profile(o.profile),
		CheckTimeout:  t.timeout,
		Transport:     o.transport,
		MaxRetryAfter: t.maxRetryAfter,
	}
	if env.Transport == nil {
		env.Transport = httpx.NewTransport()
	}
	if o.call2 != "" {
		env.Second = ref
		env.Second.Call = o.call2
	}
	var specs []live.SpecRef
	if env.ValidateResponse, env.SpecNote, specs, err = o.loadSpec(caps.Provider); err != nil {
		return err
	}
	s, err := live.NewSession(env)
	if err != nil {
		return err
	}
	checks := s.Checks()
	run := &live.Run{Profile: s.Profile(), Capabilities: s.Capabilities(), Recorder: s.Recorder()}
	rep := live.NewReport(run, o.now())
	rep.Manifest.Carrier = t.carrier
	rep.Manifest.Specs = specs
	var (
		bar     *progress
		current atomic.Value
		probed  bool
	)
	current.Store("")
	if show {
		bar = newProgress(stderr, stdout, int64(len(checks)), func() string { return "conformance" },
			func() string { return current.Load().(string) })
	}
	out := bar.out(stdout)
	scrubbed := func(write func(io.Writer) error) error {
		var b strings.Builder
		if err := write(&b); err != nil {
			return err
		}
		_, err := io.WriteString(out, run.Recorder.Scrub(b.String()))
		return err
	}
	if t.output == outputTable {
		if err := scrubbed(rep.WriteTableHead); err != nil {
			return err
		}
	}
	for i, c := range checks {
		current.Store(fmt.Sprintf("check %d/%d: %s", i+1, len(checks), c.ID))
		res := s.Run(ctx, c)
		run.Results = append(run.Results, res)
		bar.increment()
		var err error
		switch t.output {
		case outputTable:
			err = scrubbed(func(w io.Writer) error { return live.WriteTableRow(w, res) })
		case outputJSONL:
			err = scrubbed(func(w io.Writer) error { return rep.WriteJSONLine(w, res) })
		}
		if err != nil {
			return err
		}
		if res.Status == live.Fail && !probed {
			// An endpoint that does not answer like the carrier is the cause
			// of every failure after: one request says so, and the run
			// stops with it, reported once.
			probed = true
			pctx, cancel := context.WithTimeout(ctx, t.timeout)
			_, perr := u.Fetch(pctx, ref)
			cancel()
			if isForeignAnswer(perr) {
				bar.stop()
				return t.wrap(fmt.Errorf("conformance stopped after %s: %w", c.ID, perr))
			}
		}
	}
	bar.stop()
	// The report again, now with what the run learnt: endpoints, latencies.
	final := live.NewReport(run, o.now())
	final.Manifest.Carrier, final.Manifest.Specs = t.carrier, specs
	if err := o.write(final, run.Recorder, stdout, t.output); err != nil {
		return err
	}
	if failed := final.Failed(); len(failed) > 0 {
		return checksFailed{failed}
	}
	log.Debug("conformance passed", zap.Int("checks", len(final.Results)))
	return nil
}

// pickCarrier chooses the carrier to certify when --config names several
// and --carrier is not given: the one the account or the ids identify,
// opened alone; else a usage error saying why.
func (o *conformanceOptions) pickCarrier(ctx context.Context, t *target, u *carrierkit.Client, log *zap.Logger) (*carrierkit.Client, participant.Ref, error) {
	var r *router.Router
	if !u.As(&r) {
		return nil, participant.Ref{}, errors.New("conformance: --config did not give a router")
	}
	name, err := r.Route(participant.Ref{Account: t.account, Conference: t.conference, Call: t.call})
	if err != nil {
		return nil, participant.Ref{}, usagef("--carrier: give the carrier of %s to certify (%s)", t.file, flagWords(reportOf(err).Message))
	}
	t.carrier = name
	log.Debug("certifying the carrier the ids identify", zap.String("carrier", name))
	up, ref, err := t.open(ctx, log)
	return up, ref, err
}

// openSpecCheck loads the OpenAPI check behind the spec.response-shape
// row: answers checked against the spec file in dir served at root. The
// released carrierctl leaves it nil, so it links no OpenAPI library
// (kin-openapi and gorilla/mux stay out of it); the carrierkit_spec build
// sets it (spec.go), and so do the tests.
var openSpecCheck func(dir, file, root string) (func(r live.Request, status int, header http.Header, body []byte) error, error)

// specBuild is how to get a carrierctl that checks answers against the
// vendors' OpenAPI specs.
const specBuild = "go build -tags carrierkit_spec ./cmd/carrierctl"

// loadSpec finds the OpenAPI spec the provider's registry entry names.
// Without one, or in a build without the check, the spec check is NA with
// the reason; a --specs given that lacks the spec, or that this build
// cannot use, is a usage error.
func (o *conformanceOptions) loadSpec(provider string) (func(live.Request, int, http.Header, []byte) error, string, []live.SpecRef, error) {
	a, _ := providers.DefaultURLMux().Lookup(provider)
	spec := a.Spec
	switch {
	case spec.File == "":
		return nil, "carrierkit knows no published spec for this provider", nil, nil
	case openSpecCheck == nil && o.specs != "":
		return nil, "", nil, usagef("--specs: this carrierctl is built without the OpenAPI check; build it with %s", specBuild)
	case openSpecCheck == nil:
		return nil, "the OpenAPI check is not built into this carrierctl (" + specBuild + ")", nil, nil
	}
	dir := o.specs
	if dir == "" {
		var err error
		if dir, err = defaultSpecsDir(); err != nil {
			return nil, spec.File + " not found (set --specs or $CARRIERKIT_SPECS): " + err.Error(), nil, nil
		}
	}
	sum, err := specdir.FileSHA256(dir, spec.File)
	switch {
	case err != nil && o.specs != "":
		return nil, "", nil, usagef("--specs: %s has no readable %s, the %s spec", o.specs, spec.File, provider)
	case err != nil:
		return nil, spec.File + " not readable in " + dir + ": " + err.Error(), nil, nil
	}
	validate, err := openSpecCheck(dir, spec.File, spec.Root)
	if err != nil {
		return nil, err.Error(), nil, nil
	}
	return validate, spec.File, []live.SpecRef{{File: spec.File, SHA256: sum}}, nil
}

// write prints what the output format leaves to the end (the table's
// tail, the JSON document, the jsonl manifest and latencies) and writes
// the files asked for. Everything goes through the recorder's scrubber as
// a last guard.
func (o *conformanceOptions) write(rep *live.Report, rec *live.Recorder, stdout io.Writer, format outputFlag) error {
	type output struct {
		file  string
		write func(io.Writer) error
	}
	var tail func(io.Writer) error
	switch format {
	case outputTable:
		tail = rep.WriteTableTail
	case outputJSON:
		tail = rep.WriteJSON
	case outputJSONL:
		tail = func(w io.Writer) error { // the checks were streamed
			enc := json.NewEncoder(w)
			if err := enc.Encode(map[string]live.Manifest{"manifest": rep.Manifest}); err != nil {
				return err
			}
			return enc.Encode(map[string][]live.Latency{"latency": rep.Latency})
		}
	}
	outs := []output{{"", tail}, {o.jsonFile, rep.WriteJSONLines}, {o.junit, rep.WriteJUnit}}
	for i, out := range outs {
		if i > 0 && out.file == "" {
			continue
		}
		var b strings.Builder
		if err := out.write(&b); err != nil {
			return err
		}
		text := rec.Scrub(b.String())
		if out.file == "" {
			if _, err := io.WriteString(stdout, text); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(out.file, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if o.trans != "" {
		return rec.WriteTranscript(o.trans)
	}
	return nil
}

// defaultSpecsDir is $CARRIERKIT_SPECS, else shared/specs beside the
// carrierkit module carrierctl was built from (its source directory, as
// the build recorded it), else beside a module holding the binary. The
// current directory alone never decides.
func defaultSpecsDir() (string, error) {
	if d := os.Getenv("CARRIERKIT_SPECS"); d != "" {
		return d, nil
	}
	var errs []error
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		d, err := specdir.DirFrom(filepath.Dir(file))
		if err == nil {
			return d, nil
		}
		errs = append(errs, err)
	}
	if exe, err := os.Executable(); err == nil {
		d, err := specdir.DirFrom(filepath.Dir(exe))
		if err == nil {
			return d, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}
