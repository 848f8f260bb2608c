package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/conformance/fake"
	"github.com/carrierkit/carrierkit/conformance/live"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/internal/specdir"
	"github.com/carrierkit/carrierkit/internal/vendorfake"
	"github.com/carrierkit/carrierkit/providers"
	"github.com/carrierkit/carrierkit/providers/texml/texmltest"
	"github.com/carrierkit/carrierkit/providers/twilio/twiliotest"
)

// conformanceArgs are the flags that certify vendor v's demo agent (by
// label where it has one) with its second demo participant as --call2.
func conformanceArgs(v *emulator.Vendor, base string, extra ...string) []string {
	agent := v.Participants[0]
	call := agent.Call
	if agent.Label != "" {
		call = agent.Label
	}
	return append([]string{"conformance", "--provider", v.Name, "--base-url", strings.TrimRight(base, "/") + v.Root,
		"--account", v.Account, "--conference", v.Conference, "--call", call, "--call2", v.Participants[1].Call}, extra...)
}

// setCredentials puts v's credentials in the environment, for in-process runs.
func setCredentials(t *testing.T, v *emulator.Vendor) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if slices.ContainsFunc(credentialPrefixes(), func(p string) bool { return strings.HasPrefix(k, p) }) {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, val := range v.Credentials {
		t.Setenv(k, val)
	}
}

// runInProcess runs carrierctl's run() with args.
func runInProcess(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// junitDoc is the part of JUnit XML the tests read.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string    `xml:"name,attr"`
			Classname string    `xml:"classname,attr"`
			Failure   *struct{} `xml:"failure"`
			Skipped   *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// jsonReport is the JSON lines file, parsed.
type jsonReport struct {
	manifest live.Manifest
	checks   []map[string]any
	latency  []live.Latency
}

func readJSONLines(t *testing.T, path string) jsonReport {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var rep jsonReport
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan(); i++ {
		var line map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "line %d: %s", i+1, sc.Text())
		switch {
		case line["manifest"] != nil:
			require.NoError(t, json.Unmarshal(line["manifest"], &rep.manifest))
		case line["latency"] != nil:
			require.NoError(t, json.Unmarshal(line["latency"], &rep.latency))
		default:
			var m map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
			for _, k := range []string{"name", "function", "duration_ms", "status", "args"} {
				assert.Contains(t, m, k, "mint field on line %d", i+1)
			}
			rep.checks = append(rep.checks, m)
		}
	}
	require.NoError(t, sc.Err())
	return rep
}

func (r jsonReport) status(id string) string {
	for _, c := range r.checks {
		if c["function"] == id {
			s, _ := c["status"].(string)
			return s
		}
	}
	return ""
}

// TestConformanceEveryCarrier certifies the emulator for every registered
// carrier, in the full profile: every core check passes (none NA), the
// JUnit file parses with no failure, the JSON lines parse, and the exit
// status is 0.
func TestConformanceEveryCarrier(t *testing.T) {
	e := emulated.New()
	srv := httptest.NewServer(e)
	defer srv.Close()
	schemes := providers.DefaultURLMux().Schemes()
	require.NotEmpty(t, schemes)
	for _, scheme := range schemes {
		t.Run(scheme, func(t *testing.T) {
			v, err := e.Vendor(scheme)
			require.NoError(t, err, "registered carrier %s is missing from the emulator", scheme)
			setCredentials(t, v)
			// One 429 with Retry-After, so the retry check has something to judge.
			require.NoError(t, e.Inject(emulator.Fault{Provider: scheme, Status: 429, RetryAfter: "1"}))
			dir := t.TempDir()
			junit, jsonl, trans := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.jsonl"), filepath.Join(dir, "transcript")
			r := runInProcess(t, conformanceArgs(v, srv.URL, "--profile", "full", "--junit", junit, "--json", jsonl, "--transcript", trans)...)
			require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout, "CERTIFIED: every core check passed")
			assert.Contains(t, r.stdout, "(carrierkit emulator)")

			var doc junitDoc
			b, err := os.ReadFile(junit)
			require.NoError(t, err)
			require.NoError(t, xml.Unmarshal(b, &doc), "JUnit XML parses")
			assert.Zero(t, doc.Failures)
			assert.Equal(t, len(live.Checks(live.ProfileFull)), doc.Tests)
			core := 0
			for _, s := range doc.Suites {
				for _, c := range s.Cases {
					if c.Classname == string(live.ProfileCore) {
						core++
						assert.Nil(t, c.Skipped, "core check %s is never NA", c.Name)
						assert.Nil(t, c.Failure, "core check %s", c.Name)
					}
				}
			}
			assert.Equal(t, len(live.Checks(live.ProfileCore)), core)

			rep := readJSONLines(t, jsonl)
			assert.Equal(t, scheme, rep.manifest.Provider)
			assert.True(t, rep.manifest.Emulator)
			assert.Equal(t, live.SuiteVersion, rep.manifest.SuiteVersion)
			assert.Equal(t, driver.Version, rep.manifest.CarrierkitVersion)
			u, _ := url.Parse(srv.URL)
			assert.Equal(t, u.Host, rep.manifest.Endpoint, "host only")
			require.Len(t, rep.checks, len(live.Checks(live.ProfileFull)))
			for _, c := range rep.checks {
				assert.NotEqual(t, "FAIL", c["status"], "%v", c)
				if args, _ := c["args"].(map[string]any); args["profile"] == "core" {
					assert.Equal(t, "PASS", c["status"], "core check %v", c["function"])
				}
			}
			assert.Equal(t, "PASS", rep.status("retry.retry-after"), "the 429 was retried after Retry-After")
			assert.NotEmpty(t, rep.latency)

			files, err := os.ReadDir(trans)
			require.NoError(t, err)
			assert.NotEmpty(t, files, "one transcript file per check that sent something")

			// The participant is as it was.
			stored, ok := v.Server.Participant(v.Account, v.Conference, v.Participants[0].Call)
			require.True(t, ok)
			assert.False(t, stored.Muted || stored.Hold || stored.Coaching || stored.EndConferenceOnExit, "%+v", stored)
		})
	}
}

// TestConformanceBinary runs the built binary against a carrierctl
// emulate process, for every carrier it serves, in the core profile (the
// default).
func TestConformanceBinary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	emu := exec.CommandContext(ctx, bin, "emulate", "--listen", "127.0.0.1:0", "--output", "jsonl")
	emu.Env = cleanEnv(nil)
	out, err := emu.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, emu.Start())
	defer func() { _ = emu.Process.Signal(syscall.SIGINT); _ = emu.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	var info map[string]emulator.VendorInfo
	require.NoError(t, json.Unmarshal([]byte(line), &info), line)
	require.NotEmpty(t, info)
	for name, vi := range info {
		t.Run(name, func(t *testing.T) {
			v := &emulator.Vendor{Carrier: emulator.Carrier{Name: name}, Demo: vi.Demo}
			jsonl := filepath.Join(t.TempDir(), "report.jsonl")
			r := carrierctl(t, vi.Credentials, conformanceArgs(v, vi.BaseURL, "--json", jsonl)...)
			require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.Empty(t, r.stderr)
			rep := readJSONLines(t, jsonl)
			assert.True(t, rep.manifest.Emulator)
			require.Len(t, rep.checks, len(live.Checks(live.ProfileCore)))
			for _, c := range rep.checks {
				assert.Equal(t, "PASS", c["status"], "%v", c)
			}
		})
	}
}

// misbehave wraps h: edit changes each request's form before h sees it,
// answer each answer before the client does.
func misbehave(h http.Handler, edit func(form url.Values), answer func(r *http.Request, status int, header http.Header, body []byte) (int, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if edit != nil && r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			form, err := url.ParseQuery(string(b))
			if err == nil {
				edit(form)
				b = []byte(form.Encode())
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, body := rec.Code, rec.Body.Bytes()
		if answer != nil {
			status, body = answer(r, status, rec.Header(), body)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

var statusComplete = regexp.MustCompile(`"status":\s*"complete(d)?"`)

// TestConformanceCatchesNonConformingServers runs the command against
// servers that each break one rule, and checks the named check fails and
// the exit status is not 0.
func TestConformanceCatchesNonConformingServers(t *testing.T) {
	cases := []struct {
		name   string
		want   string // the check that must fail
		setup  func(v *emulator.Vendor)
		edit   func(url.Values)
		answer func(r *http.Request, status int, header http.Header, body []byte) (int, []byte)
	}{
		{name: "IgnoresFalse", want: "core.field.muted.roundtrip",
			edit: func(f url.Values) {
				for k, vs := range f {
					if vs[0] == "false" {
						delete(f, k)
					}
				}
			}},
		{name: "DropsAField", want: "field.hold.roundtrip",
			edit: func(f url.Values) {
				if v, ok := f["Hold"]; ok {
					delete(f, "Hold")
					f["Dropped"] = v // the server ignores what it does not know
				}
			}},
		{name: "WrongShape", want: "core.fetch.mapping",
			answer: func(r *http.Request, status int, _ http.Header, body []byte) (int, []byte) {
				if status == http.StatusOK {
					return status, append(append([]byte(`{"participant":`), body...), '}')
				}
				return status, body
			}},
		{name: "UnknownCallIs500", want: "core.error.not-found",
			answer: func(r *http.Request, status int, h http.Header, body []byte) (int, []byte) {
				if status == http.StatusNotFound {
					h.Set("Content-Type", "text/plain")
					return http.StatusInternalServerError, []byte("internal error")
				}
				return status, body
			}},
		{name: "CompleteSpelledOtherwise", want: "core.fetch.mapping",
			setup: func(v *emulator.Vendor) {
				p, _ := v.Server.Participant(v.Account, v.Conference, v.Participants[0].Call)
				p.Status = "completed"
				v.Server.Seed(p)
			},
			answer: func(r *http.Request, status int, _ http.Header, body []byte) (int, []byte) {
				return status, statusComplete.ReplaceAll(body, []byte(`"status":"Completed"`))
			}},
	}
	for _, name := range []string{"twilio", "texml"} {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				e := emulated.New()
				v, err := e.Vendor(name)
				require.NoError(t, err)
				if tc.setup != nil {
					tc.setup(v)
				}
				srv := httptest.NewServer(misbehave(e, tc.edit, tc.answer))
				defer srv.Close()
				setCredentials(t, v)
				jsonl := filepath.Join(t.TempDir(), "report.jsonl")
				r := runInProcess(t, conformanceArgs(v, srv.URL, "--profile", "full", "--max-retries", "0", "--json", jsonl)...)
				assert.Equal(t, exitFailure, r.code, "stdout:\n%s", r.stdout)
				assert.Contains(t, r.stderr, tc.want, "stderr names the failed check")
				rep := readJSONLines(t, jsonl)
				assert.Equal(t, "FAIL", rep.status(tc.want), "stdout:\n%s", r.stdout)
				if strings.HasPrefix(tc.want, "core.") {
					assert.Contains(t, r.stdout, "NOT CERTIFIED")
				} else {
					assert.Contains(t, r.stdout, "optional check(s) failed")
				}
			})
		}
	}
}

// TestConformanceNoSecretInArtefacts plants a distinctive secret, has the
// server echo the Authorization header (raw and decoded) in every answer,
// and searches every artefact for the secret in each form it could take.
func TestConformanceNoSecretInArtefacts(t *testing.T) {
	const secret = "Pl4nted+S3cret/Zq=&x" // URL- and base64-sensitive bytes
	const account = "AC0123456789abcdef0123456789abcdef"
	tw := twiliotest.New(twiliotest.Config{AccountSID: account, AuthToken: secret})
	tx := texmltest.New(texmltest.Config{APIKey: secret})
	twConf, txConf := "CF0123456789abcdef0123456789abcdef", "0b0c0d0e-0000-4000-8000-00000000c0f1"
	txAccount := "0b0c0d0e-0000-4000-8000-0000000000a1"
	const twSecond, txSecond = "CA0123456789abcdef0123456789abcde2", "v3:second-call"
	for _, s := range []struct {
		srv                        *fake.Server
		account, conf, who, second string
	}{{tw, account, twConf, "CA0123456789abcdef0123456789abcde1", twSecond}, {tx, txAccount, txConf, "v3:agent-call", txSecond}} {
		s.srv.Seed(vendorfake.Participant{Account: s.account, Conference: s.conf, CallID: s.who, Label: "agent", Status: "connected"})
		s.srv.Seed(vendorfake.Participant{Account: s.account, Conference: s.conf, CallID: s.second, Status: "connected"})
	}
	echo := func(h http.Handler) http.Handler {
		return misbehave(h, nil, func(r *http.Request, status int, header http.Header, body []byte) (int, []byte) {
			auth := r.Header.Get("Authorization")
			header.Set("X-Echo-Authorization", auth)
			header.Set("X-Echo-Secret", secret)
			if status >= 400 && len(body) > 0 && body[0] == '{' {
				extra, _ := json.Marshal(map[string]string{"echo": auth, "secret": secret, "escaped": url.QueryEscape(secret)})
				body = append(append(extra[:len(extra)-1], ','), body[1:]...)
			}
			return status, body
		})
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.URLEncoding.EncodeToString([]byte(secret)),
		base64.StdEncoding.EncodeToString([]byte(account + ":" + secret))}
	for _, c := range []struct {
		name string
		srv  *fake.Server
		env  map[string]string
		args []string
	}{
		{"twilio", tw, map[string]string{"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": secret},
			[]string{"--provider", "twilio", "--conference", twConf, "--call2", twSecond}},
		{"texml", tx, map[string]string{"TELNYX_API_KEY": secret},
			[]string{"--provider", "texml", "--account", txAccount, "--conference", txConf, "--call2", txSecond}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(echo(c.srv))
			defer srv.Close()
			base := srv.URL
			if c.name == "texml" {
				base += "/v2"
			}
			dir := t.TempDir()
			args := append([]string{"conformance", "--base-url", base, "--call", "agent", "--profile", "full",
				"--json", filepath.Join(dir, "r.jsonl"),
				"--junit", filepath.Join(dir, "junit.xml"), "--transcript", filepath.Join(dir, "transcript"), "-v"}, c.args...)
			for k := range c.env {
				t.Setenv(k, c.env[k])
			}
			r := runInProcess(t, args...)
			require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			artefacts := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
			n := 0
			require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				artefacts[p] = string(b)
				n++
				return err
			}))
			assert.Greater(t, n, 3, "JSON, JUnit and transcript files written")
			echoed := false
			for name, text := range artefacts {
				for _, f := range forms {
					assert.NotContains(t, text, f, "%s holds the secret", name)
				}
				echoed = echoed || strings.Contains(text, "X-Echo-Secret: [redacted]")
			}
			assert.True(t, echoed, "the transcript shows the echoing header, redacted")
			assert.False(t, readJSONLines(t, filepath.Join(dir, "r.jsonl")).manifest.Emulator, "a plain fake is not the emulator")
		})
	}
}

var updateExample = flag.Bool("update-example", false, "regenerate docs/conformance-example from the emulator")

// TestConformanceExample generates the example report in
// docs/conformance-example against the emulator (go generate
// ./cmd/carrierctl, or go test ./cmd/carrierctl -run TestConformanceExample
// -update-example), and checks the committed one lists the same checks
// with the same outcomes.
func TestConformanceExample(t *testing.T) {
	dir := t.TempDir()
	if *updateExample {
		dir = filepath.Join("..", "..", "docs", "conformance-example")
		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	e, v, base := twilioEmulator(t)
	require.NoError(t, e.Inject(emulator.Fault{Provider: v.Name, Status: 429, RetryAfter: "1"}))
	r := runInProcess(t, conformanceArgs(v, base, "--profile", "full", "--json", filepath.Join(dir, "report.jsonl"),
		"--junit", filepath.Join(dir, "junit.xml"), "--transcript", filepath.Join(dir, "transcript"))...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "report.txt"), []byte(r.stdout), 0o644))
	if *updateExample {
		return
	}
	_, noSpecs := specdir.Dir()
	outcomes := func(p string) []string {
		var out []string
		for _, c := range readJSONLines(t, p).checks {
			if noSpecs != nil && c["function"] == "spec.response-shape" {
				continue // PASS in the example, NA where the specs are not found
			}
			out = append(out, fmt.Sprint(c["function"], " ", c["status"]))
		}
		return out
	}
	assert.Equal(t, outcomes(filepath.Join("..", "..", "docs", "conformance-example", "report.jsonl")),
		outcomes(filepath.Join(dir, "report.jsonl")),
		"docs/conformance-example is stale: run go generate ./cmd/carrierctl")
}

func TestConformanceUsage(t *testing.T) {
	e, v, base := twilioEmulator(t)
	args := conformanceArgs(v, base)
	noCall2 := args[:len(args)-2]
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(slices.Clone(noCall2), "--profile", "full"), "--profile full needs --call2"},
		{append(slices.Clone(noCall2), "--allow-remove"), "--allow-remove needs --call2"},
		{append(slices.Clone(args), "--profile", "most"), "must be core or full"},
	} {
		r := runInProcess(t, c.args...)
		assert.Equal(t, exitInvalid, r.code)
		assert.Contains(t, r.stderr, c.want)
	}
	assert.Empty(t, requests(t, e, "twilio"), "nothing sent for a usage error")
}

// twilioEmulator serves an in-process emulator with the Twilio vendor's
// credentials in the environment.
func twilioEmulator(t *testing.T) (*emulator.Emulator, *emulator.Vendor, string) {
	e := emulated.New()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	v, err := e.Vendor("twilio")
	require.NoError(t, err)
	setCredentials(t, v)
	return e, v, srv.URL
}

// TestConformanceRetryAfterCapFromConfig: a carrier in the config file
// whose retry section caps Retry-After below what the endpoint asks is
// judged against that cap: retrying after max_retry_after is what the
// adapter was told to do, so the retry check passes.
func TestConformanceRetryAfterCapFromConfig(t *testing.T) {
	e, v, base := twilioEmulator(t)
	file := filepath.Join(t.TempDir(), "carriers.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"carriers": {"us": {"provider": "twilio", "account": "`+v.Account+`",
	  "base_url": "`+base+v.Root+`", "credentials": {"auth_token_env": "TWILIO_AUTH_TOKEN"},
	  "retry": {"max_retry_after": "1s", "wait_min": "10ms", "wait_max": "20ms"}}}}`), 0o600))
	require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Status: 429, RetryAfter: "3"}))
	jsonl := filepath.Join(t.TempDir(), "report.jsonl")
	r := runInProcess(t, "conformance", "--config", file, "--conference", v.Conference, "--call", v.Participants[0].Label,
		"--call2", v.Participants[1].Call, "--profile", "full", "--json", jsonl)
	require.Equal(t, exitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	rep := readJSONLines(t, jsonl)
	assert.Equal(t, "PASS", rep.status("retry.retry-after"), "the 429 asked 3s; the file caps waits at 1s")
}
