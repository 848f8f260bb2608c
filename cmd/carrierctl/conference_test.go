package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carrierkit/carrierkit/cmd/carrierctl/internal/emulated"
	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/internal/emulator"
	"github.com/carrierkit/carrierkit/participant"
)

// startEmulateCommand runs the built binary's emulate with extra flags and
// returns its vendors as the first JSON line names them.
func startEmulateCommand(t *testing.T, extra ...string) map[string]vendor {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, append([]string{"emulate", "--listen", "127.0.0.1:0", "--output", "jsonl"}, extra...)...)
	cmd.Env = cleanEnv(nil)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		assert.NoError(t, cmd.Wait(), "emulate exits 0 on SIGINT; stderr: %s", stderr.String())
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	var info map[string]emulator.VendorInfo
	require.NoError(t, json.Unmarshal([]byte(line), &info), line)
	out := map[string]vendor{}
	for name, vi := range info {
		out[name] = vendor{name, vi}
	}
	return out
}

// conferenceArgs address the vendor's demo conference.
func (v vendor) conferenceArgs(extra ...string) []string {
	return append([]string{"--provider", v.name, "--base-url", v.BaseURL, "--account", v.Account,
		"--conference", v.Conference}, extra...)
}

// readsMuted reports whether the named carrier's adapter reports Muted
// (Capabilities.Readable).
func readsMuted(t *testing.T, v vendor) bool {
	t.Helper()
	name := v.name
	for _, c := range emulated.Carriers() {
		if c.Name == name {
			_, demo := c.New()
			mux, err := emulated.DemoMux(c, demo, driver.Options{})
			require.NoError(t, err)
			u, err := mux.OpenUpdaterURL(context.Background(),
				&url.URL{Scheme: name, RawQuery: "base_url=" + url.QueryEscape(v.BaseURL)})
			require.NoError(t, err)
			return u.Capabilities().CanRead(participant.FieldMuted)
		}
	}
	t.Fatalf("no carrier %s", name)
	return false
}

func listParticipants(t *testing.T, v vendor, extra ...string) []participant.Participant {
	t.Helper()
	r := carrierctl(t, v.Credentials, append([]string{"list", "--output", "json"}, v.conferenceArgs(extra...)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	var ps []participant.Participant
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ps), r.stdout)
	return ps
}

// TestMuteAllButAgent is the whole-conference walk-through on the built
// binary, for every carrier the emulator serves: emulate --participants
// 200, then update --all --except agent --muted true mutes 199 and leaves
// the agent unmuted, as list shows. A carrier without labels (Bandwidth)
// names the agent by its call id.
func TestMuteAllButAgent(t *testing.T) {
	vendors := startEmulateCommand(t, "--participants", "200")
	for name, v := range vendors {
		t.Run(name, func(t *testing.T) {
			before := listParticipants(t, v)
			require.Len(t, before, 200)
			for _, p := range before {
				require.False(t, p.Muted)
			}

			r := carrierctl(t, v.Credentials, append([]string{"update", "--all", "--except", v.agent(),
				"--muted", "true", "--output", "table"}, v.conferenceArgs()...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.Contains(t, r.stdout, "updated 199, failed 0, rate-limited 0")
			assert.Equal(t, 1+199+1, strings.Count(r.stdout, "\n"), "a header, one line per participant, the summary")
			assert.NotContains(t, r.stdout, v.Participants[0].Call, "the agent is not in the summary")

			after := listParticipants(t, v)
			require.Len(t, after, 200)
			if !readsMuted(t, v) {
				return // the carrier cannot report mute (Vonage): the summary above is what can be checked
			}
			muted := 0
			var agentStatus participant.Status
			for _, p := range after {
				if p.CallID == v.Participants[0].Call {
					assert.False(t, p.Muted, "the agent stays unmuted")
					agentStatus = p.Status
					continue
				}
				assert.True(t, p.Muted, p.CallID)
				muted++
			}
			assert.Equal(t, 199, muted)
			require.NotEmpty(t, agentStatus, "the agent is listed")
			assert.Len(t, listParticipants(t, v, "--muted", "false"), 1, "only the agent is unmuted")

			r = carrierctl(t, v.Credentials, append([]string{"list", "--output", "table", "--muted", "false"}, v.conferenceArgs()...)...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Regexp(t, `(?m)^`+v.Participants[0].Call+`\s+\S+\s+`+string(agentStatus)+`\s+false\s+false\s+false$`, r.stdout)
		})
	}
}

func TestUpdateAllFailures(t *testing.T) {
	e, tw, _ := startEmulator(t)
	require.NoError(t, e.SeedParticipants(5))
	// The list's one page is served (a delay-only fault), then every
	// update is answered 400 21220.
	require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Delay: time.Millisecond}))
	require.NoError(t, e.Inject(emulator.Fault{Provider: "twilio", Status: 400, Code: "21220", Times: -1}))
	r := carrierctl(t, tw.Credentials, append([]string{"update", "--all", "--muted", "true", "--output", "json"}, tw.conferenceArgs()...)...)
	assert.Equal(t, exitFailure, r.code, "non-zero when updates failed: %s", r.stderr)
	var e1 struct{ Error errorReport }
	require.NoError(t, json.Unmarshal([]byte(r.stderr), &e1), r.stderr)
	assert.Contains(t, e1.Error.Message, "5 of 5 updates failed; first, CA")
	assert.Contains(t, e1.Error.Message, "code 21220")
	assert.Equal(t, "failed_precondition", e1.Error.Code, "the first failure's code")
	assert.Equal(t, exitFailure, e1.Error.ExitCode)
	var out struct {
		Updated, Failed int
		Results         []resultLine
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	assert.Equal(t, 0, out.Updated)
	assert.Equal(t, 5, out.Failed)
	require.Len(t, out.Results, 5)
	require.NotNil(t, out.Results[0].Error)
	assert.Contains(t, out.Results[0].Error.Message, "21220")
	assert.NotEmpty(t, out.Results[0].CallID)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
}

func TestRemoveCommand(t *testing.T) {
	e, tw, tx := startEmulator(t)
	for _, v := range []vendor{tw, tx} {
		t.Run(v.name, func(t *testing.T) {
			args := append([]string{"remove", "--output", "table"}, v.args()...)
			r := carrierctl(t, v.Credentials, args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, "call_id  agent\nremoved  true\n", r.stdout)
			reqs := requests(t, e, v.name)
			assert.Equal(t, "DELETE", reqs[len(reqs)-1].Method)
			assert.Len(t, listParticipants(t, v), 1, "the customer is left")

			r = carrierctl(t, v.Credentials, args...)
			assert.Equal(t, exitNotFound, r.code, "removing again: not found")
			assertOneLine(t, r, v, "not found")
		})
	}
}

func TestConferenceUsageErrors(t *testing.T) {
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"list", "--provider", "twilio", "--conference", "c", "--call", "x"}, "--call: unknown flag"},
		{[]string{"update", "--provider", "twilio", "--conference", "c", "--except", "agent", "--call", "x", "--muted", "true"}, "--except goes with --all"},
		{[]string{"update", "--provider", "twilio", "--conference", "c", "--allow-missing-except", "--call", "x", "--muted", "true"}, "--allow-missing-except goes with --all"},
		{[]string{"update", "--all", "--provider", "twilio", "--conference", "c", "--call", "x", "--muted", "true"}, "--call names one participant"},
		{[]string{"update", "--all", "--concurrency", "0", "--provider", "twilio", "--conference", "c", "--muted", "true"}, "--concurrency must be at least 1"},
		{[]string{"list", "--provider", "twilio", "--conference", "c", "--page-size", "0"}, "--page-size must be at least 1"},
		{[]string{"remove", "--provider", "twilio", "--conference", "c"}, "--call is required"},
		{[]string{"emulate", "--participants", "-1"}, "participants: want a count >= 0"},
	}
	for _, tc := range cases {
		r := carrierctl(t, nil, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.stderr, tc.args)
	}
}

// TestExceptTypo: a typo in --except fails the whole batch with exit 2,
// naming the name, before any update is sent; --allow-missing-except
// keeps the old behaviour (the typo leaves no one out).
func TestExceptTypo(t *testing.T) {
	e, tw, _ := startEmulator(t)
	require.NoError(t, e.SeedParticipants(5))
	r := carrierctl(t, tw.Credentials, append([]string{"update", "--all", "--except", "agnet", "--muted", "true"}, tw.conferenceArgs()...)...)
	assert.Equal(t, exitInvalid, r.code, r.stderr)
	assert.Contains(t, r.stderr, `--except: matches no participant of the conference, by call id or label: "agnet"`)
	assert.Empty(t, r.stdout)
	for _, req := range requests(t, e, "twilio") {
		assert.Equal(t, "GET", req.Method, "nothing but the lookup was sent: %s %s", req.Method, req.Path)
	}

	r = carrierctl(t, tw.Credentials, append([]string{"update", "--all", "--except", "agnet", "--muted", "true",
		"--allow-missing-except"}, tw.conferenceArgs()...)...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "updated 5, failed 0")
}
