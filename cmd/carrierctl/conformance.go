package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/internal/httpx"
	"github.com/carrierkit/carrierkit/internal/spectest"
	"github.com/carrierkit/carrierkit/participant"
	"github.com/carrierkit/carrierkit/providers"
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

// checksFailed is the error of a run in which a check failed.
type checksFailed struct{ ids []string }

func (e checksFailed) Error() string {
	return fmt.Sprintf("%d check(s) failed: %s", len(e.ids), strings.Join(e.ids, ", "))
}

// conformanceOptions are the flags beyond the target's.
type conformanceOptions struct {
	call2                  string
	profile                profileFlag
	allowRemove            bool
	junit, jsonFile, trans string
	specs                  string
	now                    func() time.Time // the report's date; tests fix it
	transport              http.RoundTripper
}

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("conformance", "conformance "+targetSynopsis()+" [--call2 ID] [--profile core|full]\n"+
		"       [--allow-remove] [--junit FILE] [--json FILE] [--transcript DIR] [--specs DIR]\n\n"+
		"Certifies a live endpoint: runs carrierkit's live conformance checks against the participant\n"+
		"--call (a call id, or a label to also check label addressing) and prints a table. Every change\n"+
		"is undone and the undo verified; remove runs only with --call2 and --allow-remove. Exit status\n"+
		"0 only when every check run passed (certification needs every core check to pass); 1 when a\n"+
		"check failed; 2 for a usage error. --timeout bounds each check.")
	t := addTarget(fs)
	o := conformanceOptions{profile: profileFlag(live.ProfileCore), now: time.Now}
	fs.StringVar(&o.call2, "call2", "", "a second participant's call `id` in the conference: coached by the Coaching check, removed with --allow-remove")
	fs.Var(&o.profile, "profile", "checks to run: `core` (required for certification) or full (core plus optional checks)")
	fs.BoolVar(&o.allowRemove, "allow-remove", false, "let the remove check take --call2 out of the conference (cannot be undone)")
	fs.StringVar(&o.junit, "junit", "", "write JUnit XML to `file`")
	fs.StringVar(&o.jsonFile, "json", "", "write JSON lines (manifest, one line per check, latencies) to `file`")
	fs.StringVar(&o.trans, "transcript", "", "write every request and answer, credentials redacted, to `dir` (one file per check)")
	fs.StringVar(&o.specs, "specs", "", "`dir` holding the vendors' OpenAPI specs (default $CARRIERKIT_SPECS, else ../shared/specs beside the module)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	return o.run(ctx, t, stdout, stderr)
}

func (o *conformanceOptions) run(ctx context.Context, t *target, stdout, stderr io.Writer) error {
	if o.allowRemove && o.call2 == "" {
		return usagef("--allow-remove needs --call2 (the participant to remove)")
	}
	log := newLogger(t.verbose, stderr)
	defer func() { _ = log.Sync() }()
	// Open once to check the flags and learn the provider; nothing is sent.
	u, ref, err := t.open(ctx, log)
	if err != nil {
		return err
	}
	caps := u.Capabilities()
	if o.profile == profileFlag(live.ProfileFull) && o.call2 == "" && caps.Supports(participant.FieldCoaching) {
		return usagef("--profile full needs --call2: the Coaching check coaches that participant")
	}
	env := live.Env{
		Open: func(opts providers.Options) (participant.Updater, error) {
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
	env.ValidateResponse, env.SpecNote, specs = o.loadSpec(caps.Provider)
	run, err := live.RunChecks(ctx, env)
	if err != nil {
		return err
	}
	rep := live.NewReport(run, o.now())
	rep.Manifest.Carrier = t.carrier
	rep.Manifest.Specs = specs
	if err := o.write(rep, run.Recorder, stdout); err != nil {
		return err
	}
	if failed := rep.Failed(); len(failed) > 0 {
		return checksFailed{failed}
	}
	log.Debug("conformance passed", zap.Int("checks", len(rep.Results)))
	return nil
}

// loadSpec finds the provider's OpenAPI spec. Without one the spec check
// is NA, with the reason.
func (o *conformanceOptions) loadSpec(provider string) (func(live.Request, int, http.Header, []byte) error, string, []live.SpecRef) {
	spec, ok := spectest.ForProvider(provider)
	if !ok {
		return nil, "carrierkit knows no published spec for this provider", nil
	}
	dir := o.specs
	if dir == "" {
		var err error
		if dir, err = spectest.Dir(); err != nil {
			return nil, spec.File + " not found (set --specs or $CARRIERKIT_SPECS)", nil
		}
	}
	sum, err := spectest.FileSHA256(dir, spec.File)
	if err != nil {
		return nil, spec.File + " not readable in --specs: " + err.Error(), nil
	}
	v, err := spectest.LoadDir(dir, spec.File, spec.Root)
	if err != nil {
		return nil, err.Error(), nil
	}
	validate := func(r live.Request, status int, header http.Header, body []byte) error {
		rooted, ok := v.Rooted(r)
		if !ok {
			return fmt.Errorf("no operation of %s for %s %s", spec.File, r.Method, r.Path)
		}
		return v.ValidateResponse(rooted, status, header, body)
	}
	return validate, spec.File, []live.SpecRef{{File: spec.File, SHA256: sum}}
}

// write prints the table and writes the files asked for. Everything goes
// through the recorder's scrubber as a last guard.
func (o *conformanceOptions) write(rep *live.Report, rec *live.Recorder, stdout io.Writer) error {
	type output struct {
		file  string
		write func(io.Writer) error
	}
	outs := []output{{"", rep.WriteTable}, {o.jsonFile, rep.WriteJSONLines}, {o.junit, rep.WriteJUnit}}
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
