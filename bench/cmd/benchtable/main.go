// Command benchtable runs carrierkit's benchmarks and prints the median
// table, with ratios to the floor (a hand-written net/http client) computed
// from the same run. Run it from the bench module:
//
//	cd bench && go run ./cmd/benchtable
//
// It builds the benchmark binaries once (this module's and the main
// module's driver/httpdriver), then runs them -count times, one full round
// after another, so every client is measured as often and as close in time
// as the floor (go test -count N would run each benchmark N times back to
// back, and a shared machine's load drifting between them would leak into
// the ratios). The raw output, in the usual `go test -bench` format (so
// benchstat reads it), goes to -raw; -in reads such output instead of
// running anything.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	count := flag.Int("count", 6, "rounds: how many times each benchmark runs")
	benchtime := flag.String("benchtime", "1s", "-test.benchtime for each benchmark")
	bench := flag.String("bench", ".", "-test.bench regexp")
	adapter := flag.Bool("adapter", true, "also run the main module's driver/httpdriver benchmarks (no network)")
	raw := flag.String("raw", "", "write the raw benchmark output to this file")
	in := flag.String("in", "", "read raw benchmark output from this file instead of running")
	flag.Parse()

	var out []byte
	if *in != "" {
		b, err := os.ReadFile(*in)
		check(err)
		out = b
	} else {
		out = run(*count, *benchtime, *bench, *adapter)
		if *raw != "" {
			check(os.WriteFile(*raw, out, 0o644))
		}
	}
	rs := parse(out)
	if len(rs.order) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results")
		os.Exit(1)
	}
	report(os.Stdout, rs)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// run builds the test binaries and runs them count rounds, returning the
// concatenated output.
func run(count int, benchtime, bench string, adapter bool) []byte {
	dir, err := os.MkdirTemp("", "benchtable")
	check(err)
	defer os.RemoveAll(dir)

	type bin struct{ path, dir string }
	var bins []bin
	build := func(pkgDir, pkg, name string) {
		exe := filepath.Join(dir, name)
		cmd := exec.Command("go", "test", "-c", "-o", exe, pkg)
		cmd.Dir = pkgDir
		cmd.Stderr = os.Stderr
		check(cmd.Run())
		bins = append(bins, bin{exe, pkgDir})
	}
	mod := strings.TrimSpace(goEnv("GOMOD"))
	if filepath.Base(filepath.Dir(mod)) != "bench" {
		check(fmt.Errorf("run me from the bench module (go.mod is %s)", mod))
	}
	benchDir := filepath.Dir(mod)
	build(benchDir, ".", "bench.test")
	if adapter {
		build(filepath.Dir(benchDir), "./driver/httpdriver", "httpdriver.test")
	}

	var all bytes.Buffer
	start := time.Now()
	for round := 1; round <= count; round++ {
		fmt.Fprintf(os.Stderr, "benchtable: round %d/%d (%s elapsed)\n", round, count, time.Since(start).Round(time.Second))
		for _, b := range bins {
			cmd := exec.Command(b.path, "-test.run", "^$", "-test.bench", bench, "-test.benchmem",
				"-test.count", "1", "-test.benchtime", benchtime)
			cmd.Dir = b.dir
			cmd.Stderr = os.Stderr
			o, err := cmd.Output()
			all.Write(o)
			if err != nil {
				os.Stderr.Write(o)
				check(err)
			}
		}
	}
	return all.Bytes()
}

func goEnv(key string) string {
	o, err := exec.Command("go", "env", key).Output()
	check(err)
	return string(o)
}

// results holds every sample of every benchmark, by name and unit.
type results struct {
	header  []string // goos, goarch, cpu lines (first seen)
	order   []string // benchmark names, first-seen order
	samples map[string]map[string][]float64
}

var procSuffix = regexp.MustCompile(`-\d+$`)

func parse(out []byte) *results {
	rs := &results{samples: map[string]map[string][]float64{}}
	seenHeader := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, k) && !seenHeader[k] {
				seenHeader[k] = true
				rs.header = append(rs.header, line)
			}
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		m := rs.samples[name]
		if m == nil {
			m = map[string][]float64{}
			rs.samples[name] = m
			rs.order = append(rs.order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			m[f[i+1]] = append(m[f[i+1]], v)
		}
	}
	return rs
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is the range of xs as a percentage of its median.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	return (slices.Max(xs) - slices.Min(xs)) / median(xs) * 100
}

func (rs *results) med(name, unit string) float64 { return median(rs.samples[name][unit]) }

func (rs *results) has(name string) bool { return rs.samples[name] != nil }

// baseline returns the floor a benchmark is compared with: the same name
// with the client segment replaced by "floor" (or "floor-texml" for a
// TeXML client).
func baseline(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) < 2 {
		return ""
	}
	if strings.HasSuffix(parts[1], "texml") {
		parts[1] = "floor-texml"
	} else {
		parts[1] = "floor"
	}
	return strings.Join(parts, "/")
}

func report(w io.Writer, rs *results) {
	n := 0
	for _, name := range rs.order {
		n = max(n, len(rs.samples[name]["ns/op"]))
	}
	for _, h := range rs.header {
		fmt.Fprintln(w, h)
	}
	fmt.Fprintf(w, "rounds: %d. Each cell is the median of the rounds; ± is the range of the rounds as %% of the median.\n", n)
	fmt.Fprintln(w, "A ratio is the median, over rounds, of the client's value ÷ the floor's value in the same round.")
	fmt.Fprintln(w)

	var serial, clientOnly, paired, parallel, other []string
	for _, name := range rs.order {
		switch {
		case strings.HasPrefix(name, "ClientOnlyPaired/"), strings.HasPrefix(name, "UpdatePaired/"):
			paired = append(paired, name)
		case strings.HasPrefix(name, "Update/"):
			serial = append(serial, name)
		case strings.HasPrefix(name, "ClientOnly/"):
			clientOnly = append(clientOnly, name)
		case strings.HasPrefix(name, "Parallel/"):
			parallel = append(parallel, name)
		default:
			other = append(other, name)
		}
	}

	serialTable := func(title string, names []string) {
		if len(names) == 0 {
			return
		}
		fmt.Fprintln(w, title)
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| client | ns/op | B/op | allocs/op | time ÷ floor | B ÷ floor | allocs − floor | time ÷ twilio-go |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, name := range names {
			base := baseline(name)
			client := name[strings.Index(name, "/")+1:]
			vsTwilioGo := "—"
			if tg := name[:strings.Index(name, "/")+1] + "twilio-go"; strings.HasPrefix(client, "carrierkit-twilio") && rs.has(tg) {
				vsTwilioGo = ratioCell(rs, name, tg, "ns/op")
			}
			fmt.Fprintf(w, "| %s | %s ±%.0f%% | %s | %s | %s | %s | %s | %s |\n", client,
				num(rs.med(name, "ns/op")), spread(rs.samples[name]["ns/op"]), num(rs.med(name, "B/op")),
				num(rs.med(name, "allocs/op")), ratioCell(rs, name, base, "ns/op"), ratioCell(rs, name, base, "B/op"),
				diff(rs, name, base, "allocs/op"), vsTwilioGo)
		}
		fmt.Fprintln(w)
	}
	serialTable("One update at a time over a warm connection to the loopback server (BenchmarkUpdate); "+
		"TeXML is compared with floor-texml:", serial)
	serialTable("The same update with an in-memory transport instead of the network: each client's own cost (BenchmarkClientOnly):", clientOnly)

	if len(paired) > 0 {
		fmt.Fprintln(w, "The ratios measured in one benchmark, the floor and carrierkit taking turns "+
			"(BenchmarkClientOnlyPaired: in-memory transport, in batches of 64; BenchmarkUpdatePaired: the loopback server, "+
			"update by update, with two controls, the floor against itself and against the floor under context.WithTimeout; "+
			"x-cpu: the same with the process's CPU time):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| benchmark | floor ns/op | carrierkit (or the control) ns/op | x-time (range) | x-cpu (range) |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, name := range paired {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", name,
				num(rs.med(name, "floor-ns/op")), num(rs.med(name, "carrierkit-ns/op")),
				rangeCell(rs.samples[name]["x-time"]), rangeCell(rs.samples[name]["x-cpu"]))
		}
		fmt.Fprintln(w)
	}

	if len(parallel) > 0 {
		fmt.Fprintln(w, "g goroutines updating at once through one client, after a warm-up from cold (BenchmarkParallel):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| client | g | updates/s | ÷ floor | conns accepted (median, range) | during the timed part (max) | B/op | allocs/op |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, name := range parallel {
			parts := strings.Split(name, "/")
			g := ""
			if len(parts) > 2 {
				g = strings.TrimPrefix(parts[2], "g=")
			}
			base := baseline(name)
			timed := "—"
			if xs := rs.samples[name]["timed-conns"]; len(xs) > 0 {
				timed = num(slices.Max(xs))
			}
			fmt.Fprintf(w, "| %s | %s | %s ±%.0f%% | %s | %s | %s | %s | %s |\n", parts[1], g,
				num(rs.med(name, "updates/s")), spread(rs.samples[name]["updates/s"]),
				ratioCell(rs, name, base, "updates/s"), connCell(rs.samples[name]["conns"]), timed,
				num(rs.med(name, "B/op")), num(rs.med(name, "allocs/op")))
		}
		fmt.Fprintln(w)
	}

	if len(other) > 0 {
		fmt.Fprintln(w, "No network: validation, URL building and form encoding only (main module, driver/httpdriver):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| benchmark | ns/op | B/op | allocs/op |")
		fmt.Fprintln(w, "|---|---:|---:|---:|")
		for _, name := range other {
			fmt.Fprintf(w, "| %s | %s ±%.0f%% | %s | %s |\n", name, num(rs.med(name, "ns/op")),
				spread(rs.samples[name]["ns/op"]), num(rs.med(name, "B/op")), num(rs.med(name, "allocs/op")))
		}
		fmt.Fprintln(w)
	}

	targets(w, rs)
}

// pairedRatio is the median over rounds of name's value ÷ base's value in
// the same round. Rounds run every benchmark once, close in time, so a
// change in the machine's load between rounds cancels out. Without
// matching rounds it falls back to the ratio of the medians.
func (rs *results) pairedRatio(name, base, unit string) float64 {
	xs, bs := rs.samples[name][unit], rs.samples[base][unit]
	if len(xs) != len(bs) || len(xs) == 0 {
		return rs.med(name, unit) / rs.med(base, unit)
	}
	rs2 := make([]float64, len(xs))
	for i := range xs {
		rs2[i] = xs[i] / bs[i]
	}
	return median(rs2)
}

// targets checks the targets against the medians: issue 4's times,
// issue 15's per-update cost (allocations within 2 of the floor's, and
// client-only time within 1.05 of it; issue 4's bar was the floor + 20
// allocations, which let a regression of 19 pass unnoticed), and issue
// 16's full per-update time within 1.02 of the floor's.
func targets(w io.Writer, rs *results) {
	type target struct {
		what string
		ok   bool
		got  string
	}
	var ts []target
	ck, fl, tg := "Update/carrierkit-twilio", "Update/floor", "Update/twilio-go"
	if rs.has(ck) && rs.has(fl) {
		r := rs.pairedRatio(ck, fl, "ns/op")
		ts = append(ts, target{"carrierkit-twilio time ≤ 1.10 × floor", r <= 1.10, fmt.Sprintf("%.2f×", r)})
		ts = append(ts, target{"carrierkit-twilio time ≤ 1.02 × floor (issue 16)", r <= 1.02, fmt.Sprintf("%.2f×", r)})
		d := rs.med(ck, "allocs/op") - rs.med(fl, "allocs/op")
		ts = append(ts, target{"carrierkit-twilio allocs ≤ floor + 2", d <= 2, fmt.Sprintf("%+.0f", d)})
	}
	for _, p := range [][2]string{{"ClientOnly/carrierkit-twilio", "ClientOnly/floor"},
		{"ClientOnly/carrierkit-texml", "ClientOnly/floor-texml"}, {"Update/carrierkit-texml", "Update/floor-texml"}} {
		ck, fl := p[0], p[1]
		if !rs.has(ck) || !rs.has(fl) {
			continue
		}
		r := rs.pairedRatio(ck, fl, "ns/op")
		if strings.HasPrefix(ck, "ClientOnly/") {
			ts = append(ts, target{ck + " time ≤ 1.05 × floor", r <= 1.05, fmt.Sprintf("%.2f×", r)})
		} else {
			ts = append(ts, target{ck + " time ≤ 1.02 × floor (issue 16)", r <= 1.02, fmt.Sprintf("%.2f×", r)})
		}
		d := rs.med(ck, "allocs/op") - rs.med(fl, "allocs/op")
		ts = append(ts, target{ck + " allocs ≤ floor + 2", d <= 2, fmt.Sprintf("%+.0f", d)})
	}
	if rs.has(ck) && rs.has(tg) {
		r := rs.pairedRatio(ck, tg, "ns/op")
		ts = append(ts, target{"carrierkit-twilio time ≤ 0.80 × twilio-go", r <= 0.80, fmt.Sprintf("%.2f×", r)})
	}
	for _, name := range rs.order {
		bar, issue := 1.05, ""
		if strings.HasPrefix(name, "UpdatePaired/floor-vs-") {
			continue // a control, not a target
		} else if strings.HasPrefix(name, "UpdatePaired/") {
			bar, issue = 1.02, " (issue 16)"
		} else if !strings.HasPrefix(name, "ClientOnlyPaired/") {
			continue
		}
		for _, unit := range []string{"x-time", "x-cpu"} {
			if xs := rs.samples[name][unit]; len(xs) > 0 {
				r := median(xs)
				ts = append(ts, target{fmt.Sprintf("%s %s ≤ %.2f%s", name, unit, bar, issue), r <= bar, fmt.Sprintf("%.3f×", r)})
			}
		}
	}
	pk, pf := "Parallel/carrierkit-twilio/g=64", "Parallel/floor/g=64"
	if rs.has(pk) && rs.has(pf) {
		r := rs.pairedRatio(pk, pf, "updates/s")
		ts = append(ts, target{"carrierkit-twilio updates/s at g=64 ≥ 0.90 × floor", r >= 0.90, fmt.Sprintf("%.2f×", r)})
	}
	warmRuns, warmOpened := 0, 0.0
	for _, name := range rs.order {
		if !strings.HasPrefix(name, "Parallel/") {
			continue
		}
		if xs := rs.samples[name]["timed-conns"]; len(xs) > 0 {
			warmRuns += len(xs)
			warmOpened = max(warmOpened, slices.Max(xs))
		}
		if !strings.HasSuffix(name, "/g=64") || len(rs.samples[name]["conns"]) == 0 {
			continue
		}
		m, mx := rs.med(name, "conns"), slices.Max(rs.samples[name]["conns"])
		ts = append(ts, target{strings.TrimPrefix(name, "Parallel/") + ": conns accepted ≤ 64", m <= 64,
			fmt.Sprintf("median %s, max %s over the rounds", num(m), num(mx))})
	}
	if warmRuns > 0 {
		ts = append(ts, target{"every parallel run: no connection opened once the pool is warm", warmOpened == 0,
			fmt.Sprintf("max %s over %d runs", num(warmOpened), warmRuns)})
	}
	if len(ts) == 0 {
		return
	}
	fmt.Fprintln(w, "Targets (issues 4, 15 and 16):")
	fmt.Fprintln(w)
	for _, t := range ts {
		mark := "met"
		if !t.ok {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "- %s: %s (%s)\n", t.what, mark, t.got)
	}
}

func ratioCell(rs *results, name, base, unit string) string {
	if name == base || !rs.has(base) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", rs.pairedRatio(name, base, unit))
}

func diff(rs *results, name, base, unit string) string {
	if name == base || !rs.has(base) {
		return "—"
	}
	return fmt.Sprintf("%+.0f", rs.med(name, unit)-rs.med(base, unit))
}

// rangeCell is "median× (min–max)" of ratios, or "—" when there are none.
func rangeCell(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.3f× (%.3f–%.3f)", median(xs), slices.Min(xs), slices.Max(xs))
}

// connCell is "median (min–max)", or one number when all agree.
func connCell(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	lo, hi := slices.Min(xs), slices.Max(xs)
	if lo == hi {
		return num(lo)
	}
	return fmt.Sprintf("%s (%s–%s)", num(median(xs)), num(lo), num(hi))
}

// num prints v with three significant digits for large values, as
// benchstat does, and thousands separators.
func num(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	if v < 100 && v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
