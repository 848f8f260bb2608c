package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doneCount matches the progress line's "done N/M".
var doneCount = regexp.MustCompile(`done (\d+)/(\d+)`)

// TestProgressInTerminal runs the built binary's update --all against
// carrierctl emulate --participants 1000 --latency 20ms with stderr on a
// pseudo-terminal: the bar is drawn and moves (several "done N" values on
// the way to 1000), and stdout, a pipe, gets only the rows. The same run
// with stderr piped draws nothing and prints no escape code anywhere.
func TestProgressInTerminal(t *testing.T) {
	vendors := startEmulateCommand(t, "--participants", "1000", "--latency", "20ms")
	v := vendors["twilio"]
	args := append([]string{"update", "--all", "--muted", "true", "--concurrency", "20"}, v.conferenceArgs()...)

	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptmx.Close()
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 160}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv(v.Credentials)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	require.NoError(t, cmd.Start())
	tty.Close() // the child holds its own copy
	var drawn bytes.Buffer
	read := make(chan error, 1)
	go func() {
		_, err := io.Copy(&drawn, ptmx)
		read <- err
	}()
	require.NoError(t, cmd.Wait(), "stdout: %s", stdout.String())
	if err := <-read; err != nil && !errors.Is(err, syscall.EIO) { // EIO: the child closed the terminal
		require.NoError(t, err)
	}

	frames := drawn.String()
	assert.Contains(t, frames, "\x1b[", "the bar is drawn with terminal escapes")
	seen := map[int]bool{}
	for _, m := range doneCount.FindAllStringSubmatch(frames, -1) {
		n, _ := strconv.Atoi(m[1])
		seen[n] = true
	}
	assert.True(t, seen[1000], "the last frame shows every update done: %q", tail(frames))
	moving := 0
	for n := range seen {
		if n > 0 && n < 1000 {
			moving++
		}
	}
	assert.GreaterOrEqual(t, moving, 2, "the bar moved through intermediate counts: %v", seen)
	for _, want := range []string{"failed 0", "rate-limited", "in-flight", "limit 20"} {
		assert.Contains(t, frames, want)
	}
	assert.NotContains(t, stdout.String(), "\x1b", "stdout (a pipe) has no escape codes")
	assert.Contains(t, stdout.String(), "updated 1000, failed 0")

	// Piped: no bar, no escape codes, the same rows.
	r := carrierctl(t, v.Credentials, append([]string{"update", "--all", "--muted", "false"}, v.conferenceArgs()...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr, "no progress on a pipe")
	assert.NotContains(t, r.stdout, "\x1b")
	assert.Contains(t, r.stdout, "updated 1000, failed 0")

	// --no-progress wins over a terminal; --progress forces it on a pipe.
	r = carrierctl(t, v.Credentials, append([]string{"update", "--all", "--muted", "false", "--progress"}, v.conferenceArgs()...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, doneCount, r.stderr, "forced")
}

func tail(s string) string { return s[max(0, len(s)-400):] }

// TestResultsStream: update --all --output jsonl writes one result a line
// and a summary last; table rows are written as each update completes
// (the rows come before the batch ends: checked by their count matching
// the participants, in completion order, not listing order, being
// allowed).
func TestResultsStreamAsJSONLines(t *testing.T) {
	e, tw, _ := startEmulator(t)
	require.NoError(t, e.SeedParticipants(30))
	r := carrierctl(t, tw.Credentials, append([]string{"update", "--all", "--muted", "true", "--output", "jsonl"}, tw.conferenceArgs()...)...)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 31)
	for _, l := range lines[:30] {
		assert.Regexp(t, `^\{"type":"result","call_id":"CA[0-9a-f]+",.*"ok":true`, l)
	}
	assert.Regexp(t, `^\{"type":"summary","updated":30,"failed":0,"rate_limited":0\}$`, lines[30])
}

// TestConformanceProgress: conformance --progress names the current check
// on stderr (the checks are fast on the emulator: the last frame is
// seen); without it (stderr not a terminal) stderr stays empty.
func TestConformanceProgress(t *testing.T) {
	_, v, base := twilioEmulator(t)
	t.Setenv("CARRIERKIT_SPECS", t.TempDir())
	r := runInProcess(t, conformanceArgs(v, base, "--progress")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `conformance .*check \d+/\d+: core\.[a-z.-]+`, r.stderr, "the bar names the check it is at")
	assert.NotContains(t, r.stdout, "\x1b")

	r = runInProcess(t, conformanceArgs(v, base)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
}
