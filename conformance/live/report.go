package live

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/carrierkit/carrierkit/driver"
	"github.com/carrierkit/carrierkit/participant"
)

// Manifest says what was certified, with what, and when.
type Manifest struct {
	Suite             string    `json:"suite"`
	SuiteVersion      string    `json:"suite_version"`
	CarrierkitVersion string    `json:"carrierkit_version"`
	Provider          string    `json:"provider"`
	Carrier           string    `json:"carrier,omitempty"` // the config file's name for it
	Endpoint          string    `json:"endpoint"`          // host[:port] only, never a path, query or credential
	Emulator          bool      `json:"emulator"`          // answers carried the emulator's header
	Profile           Profile   `json:"profile"`
	Date              time.Time `json:"date"`
	Capabilities      Caps      `json:"capabilities"`
	Specs             []SpecRef `json:"specs,omitempty"`
}

// Caps is participant.Capabilities as a report prints it.
type Caps struct {
	Fields []string `json:"fields"`
	Ops    []string `json:"ops"`
	Labels bool     `json:"labels"`
}

// CapsOf lists c's fields and operations by name.
func CapsOf(c participant.Capabilities) Caps {
	out := Caps{Fields: []string{}, Ops: []string{}, Labels: c.Labels}
	for _, f := range c.Fields.Fields() {
		out.Fields = append(out.Fields, f.String())
	}
	for _, o := range []participant.Op{participant.OpFetch, participant.OpList, participant.OpRemove} {
		if c.Can(o) {
			out.Ops = append(out.Ops, o.String())
		}
	}
	return out
}

// SpecRef names a spec file the run validated against, by content hash.
type SpecRef struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Latency is what one operation took over a run: reported, never judged.
// Its JSON form is in milliseconds, named so: min_ms, p50_ms, max_ms.
type Latency struct {
	Op    string
	Count int
	Min   time.Duration
	P50   time.Duration
	Max   time.Duration
}

// latencyJSON is Latency as JSON writes it, in milliseconds.
type latencyJSON struct {
	Op    string  `json:"op"`
	Count int     `json:"count"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	Max   float64 `json:"max_ms"`
}

func ms(d time.Duration) float64 { return float64(round(d)) / float64(time.Millisecond) }

func fromMS(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// MarshalJSON writes the latencies in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(latencyJSON{Op: l.Op, Count: l.Count, Min: ms(l.Min), P50: ms(l.P50), Max: ms(l.Max)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Latency) UnmarshalJSON(b []byte) error {
	var j latencyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Latency{Op: j.Op, Count: j.Count, Min: fromMS(j.Min), P50: fromMS(j.P50), Max: fromMS(j.Max)}
	return nil
}

// Report is a run's manifest, results and latencies.
type Report struct {
	Manifest Manifest
	Results  []Result
	Latency  []Latency
}

// NewReport builds a report from a run: profile, provider, capabilities, endpoint
// hosts, emulator and latencies come from the run itself.
func NewReport(run *Run, date time.Time) *Report {
	r := &Report{Results: run.Results, Manifest: Manifest{
		Suite: "carrierkit-conformance", SuiteVersion: SuiteVersion, CarrierkitVersion: driver.Version,
		Provider: run.Capabilities.Provider, Profile: run.Profile, Date: date.UTC().Truncate(time.Second),
		Capabilities: CapsOf(run.Capabilities),
	}}
	if run.Recorder != nil {
		r.Manifest.Endpoint = strings.Join(run.Recorder.Hosts(), ", ")
		r.Manifest.Emulator = run.Recorder.Emulator()
		r.Latency = latencies(run.Recorder.Exchanges())
	}
	return r
}

// latencies summarises the answered requests per operation, excluding
// those sent with wrong credentials or invalid values on purpose.
func latencies(xs []Exchange) []Latency {
	by := map[string][]time.Duration{}
	var ops []string
	for _, x := range xs {
		if x.Status == 0 || x.BadAuth || x.Corrupted || x.Op == "" {
			continue
		}
		if _, ok := by[x.Op]; !ok {
			ops = append(ops, x.Op)
		}
		by[x.Op] = append(by[x.Op], x.Duration)
	}
	out := make([]Latency, 0, len(ops))
	for _, op := range ops {
		ds := by[op]
		slices.Sort(ds)
		out = append(out, Latency{Op: op, Count: len(ds), Min: ds[0], P50: ds[(len(ds)-1)/2], Max: ds[len(ds)-1]})
	}
	return out
}

// Failed returns the ids of the failed checks, core first.
func (r *Report) Failed() []string {
	var ids []string
	for _, p := range []Profile{ProfileCore, ProfileFull} {
		for _, res := range r.Results {
			if res.Status == Fail && res.Profile == p {
				ids = append(ids, res.ID)
			}
		}
	}
	return ids
}

// CorePassed reports whether every core check ran and passed: the
// condition for certification.
func (r *Report) CorePassed() bool {
	n := 0
	for _, res := range r.Results {
		if res.Profile == ProfileCore {
			if res.Status != Pass {
				return false
			}
			n++
		}
	}
	return n == len(Checks(ProfileCore))
}

// Verdict says in one sentence whether the endpoint is certified.
func (r *Report) Verdict() string {
	failed := len(r.Failed())
	switch {
	case !r.CorePassed():
		return "NOT CERTIFIED: a core check failed"
	case failed > 0:
		return fmt.Sprintf("CERTIFIED for the core profile, but %d optional check(s) failed", failed)
	}
	return "CERTIFIED: every core check passed"
}

// counts returns how many results have each status.
func (r *Report) counts() map[Status]int {
	m := map[Status]int{}
	for _, res := range r.Results {
		m[res.Status]++
	}
	return m
}

// WriteTable writes the manifest and one row per check, for a terminal:
// WriteTableHead, a WriteTableRow per result, then WriteTableTail, which
// a caller can also call apart to print each row as its check ends.
func (r *Report) WriteTable(w io.Writer) error {
	if err := r.WriteTableHead(w); err != nil {
		return err
	}
	for _, res := range r.Results {
		if err := WriteTableRow(w, res); err != nil {
			return err
		}
	}
	return r.WriteTableTail(w)
}

// WriteTableHead writes the suite and profile, then the rows' header.
func (r *Report) WriteTableHead(w io.Writer) error {
	m := r.Manifest
	_, err := fmt.Fprintf(w, "%s %s (carrierkit %s), profile %s, provider %s\n\n%s\n", m.Suite, m.SuiteVersion,
		m.CarrierkitVersion, m.Profile, m.Provider, tableRow("STATUS", "CHECK", "PROFILE", "TIME", "REQS", "DETAIL"))
	return err
}

// tableRow lays out a row of the checks table in fixed columns, so rows
// can be written one at a time.
func tableRow(status, id, profile, dur, reqs, detail string) string {
	return fmt.Sprintf("%-6s  %-38s  %-7s  %-8s  %-4s  %s", status, id, profile, dur, reqs, detail)
}

// WriteTableRow writes one check's row.
func WriteTableRow(w io.Writer, res Result) error {
	_, err := fmt.Fprintln(w, tableRow(string(res.Status), res.ID, string(res.Profile),
		res.Duration.Round(time.Millisecond).String(), strconv.Itoa(res.Requests), oneLine(res.Detail)))
	return err
}

// WriteTableTail writes where the checks ran (known once they have), the
// latencies and the verdict.
func (r *Report) WriteTableTail(w io.Writer) error {
	m := r.Manifest
	target := "carrier endpoint"
	if m.Emulator {
		target = "carrierkit emulator"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nprovider %s at %s (%s), %s\n", m.Provider, m.Endpoint, target, m.Date.Format(time.RFC3339))
	fmt.Fprintf(tw, "capabilities: fields %s; ops %s; labels %v\n", strings.Join(m.Capabilities.Fields, ", "),
		strings.Join(m.Capabilities.Ops, ", "), m.Capabilities.Labels)
	for _, s := range m.Specs {
		fmt.Fprintf(tw, "spec %s sha256 %s\n", s.File, s.SHA256)
	}
	if len(r.Latency) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "Latency per operation (reported, not judged):")
		fmt.Fprintln(tw, "OPERATION\tCOUNT\tMIN\tP50\tMAX")
		for _, l := range r.Latency {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", l.Op, l.Count, round(l.Min), round(l.P50), round(l.Max))
		}
	}
	c := r.counts()
	fmt.Fprintf(tw, "\n%d passed, %d failed, %d not applicable. %s.\n", c[Pass], c[Fail], c[NA], r.Verdict())
	return tw.Flush()
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// jsonLine is one check in minio/mint's log format.
type jsonLine struct {
	Name     string  `json:"name"`     // the suite
	Function string  `json:"function"` // the check id
	Args     jsonArg `json:"args"`
	Duration int64   `json:"duration_ms"`
	Status   Status  `json:"status"`
	Message  string  `json:"message,omitempty"` // what passed, or why NA
	Error    string  `json:"error,omitempty"`   // what failed
}

type jsonArg struct {
	Provider    string  `json:"provider"`
	Profile     Profile `json:"profile"`
	Description string  `json:"description"`
	Requests    int     `json:"requests"`
}

// WriteJSONLines writes the manifest as the first line ({"manifest":…}),
// then one mint-style line per check, then the latencies
// ({"latency":[…]}).
func (r *Report) WriteJSONLines(w io.Writer) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(map[string]Manifest{"manifest": r.Manifest}); err != nil {
		return err
	}
	for _, res := range r.Results {
		if err := enc.Encode(r.jsonLine(res)); err != nil {
			return err
		}
	}
	return enc.Encode(map[string][]Latency{"latency": r.Latency})
}

// WriteJSONLine writes one check's line, as WriteJSONLines does, for a
// caller that streams the checks as they end.
func (r *Report) WriteJSONLine(w io.Writer, res Result) error {
	return json.NewEncoder(w).Encode(r.jsonLine(res))
}

// WriteJSON writes the report as one indented JSON document: manifest,
// checks (the lines of WriteJSONLines), latency and verdict.
func (r *Report) WriteJSON(w io.Writer) error {
	lines := make([]jsonLine, len(r.Results))
	for i, res := range r.Results {
		lines[i] = r.jsonLine(res)
	}
	lat := r.Latency
	if lat == nil {
		lat = []Latency{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Manifest  Manifest   `json:"manifest"`
		Checks    []jsonLine `json:"checks"`
		Latency   []Latency  `json:"latency"`
		Certified bool       `json:"certified"`
		Verdict   string     `json:"verdict"`
	}{r.Manifest, lines, lat, r.CorePassed(), r.Verdict()})
}

func (r *Report) jsonLine(res Result) jsonLine {
	l := jsonLine{Name: r.Manifest.Suite, Function: res.ID, Duration: res.Duration.Milliseconds(), Status: res.Status,
		Args: jsonArg{Provider: r.Manifest.Provider, Profile: res.Profile, Description: res.Description, Requests: res.Requests}}
	if res.Status == Fail {
		l.Error = res.Detail
	} else {
		l.Message = res.Detail
	}
	return l
}

// JUnit XML, as CI systems read it.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties []junitProperty `xml:"properties>property"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitMessage `xml:"failure"`
		Skipped   *junitMessage `xml:"skipped"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
)

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML: one testsuite per profile,
// one testcase per check (classname: the profile), failures and NA
// (skipped) with their detail, and the manifest as properties.
func (r *Report) WriteJUnit(w io.Writer) error {
	m := r.Manifest
	props := []junitProperty{
		{"suite_version", m.SuiteVersion}, {"carrierkit_version", m.CarrierkitVersion}, {"provider", m.Provider},
		{"endpoint", m.Endpoint}, {"emulator", fmt.Sprint(m.Emulator)}, {"profile", string(m.Profile)},
		{"date", m.Date.Format(time.RFC3339)},
		{"capabilities.fields", strings.Join(m.Capabilities.Fields, ",")},
		{"capabilities.ops", strings.Join(m.Capabilities.Ops, ",")},
		{"capabilities.labels", fmt.Sprint(m.Capabilities.Labels)},
	}
	if m.Carrier != "" {
		props = append(props, junitProperty{"carrier", m.Carrier})
	}
	for _, s := range m.Specs {
		props = append(props, junitProperty{"spec." + s.File + ".sha256", s.SHA256})
	}
	out := junitSuites{Name: m.Suite + " " + m.Provider}
	var total time.Duration
	for _, p := range []Profile{ProfileCore, ProfileFull} {
		s := junitSuite{Name: m.Suite + "/" + m.Provider + "/" + string(p), Timestamp: m.Date.Format("2006-01-02T15:04:05"),
			Properties: props}
		var d time.Duration
		for _, res := range r.Results {
			if res.Profile != p {
				continue
			}
			c := junitCase{Name: res.ID, Classname: string(p), Time: seconds(res.Duration)}
			switch res.Status {
			case Fail:
				c.Failure = &junitMessage{Message: oneLine(res.Detail), Text: res.Description + "\n" + res.Detail}
				s.Failures++
			case NA:
				c.Skipped = &junitMessage{Message: oneLine(res.Detail)}
				s.Skipped++
			default:
				c.SystemOut = res.Detail
			}
			s.Tests++
			d += res.Duration
			s.Cases = append(s.Cases, c)
		}
		if s.Tests == 0 {
			continue
		}
		s.Time = seconds(d)
		total += d
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	out.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
