package main

// The output contract, the same for every command (README, "Output"):
//
//   - --output table|json|jsonl, default table. table is for people; json
//     is one document; jsonl is one JSON object a line, written as results
//     come.
//   - Field names are snake_case and the same everywhere: call_id, never
//     call; units are in the name (duration_ms, latency_ms).
//   - An empty table cell is "-".
//   - An error goes to stderr: one line of text, or with json and jsonl one
//     JSON line {"error":{"code","message","field","flag","config_path",
//     "hint","exit_code"}}.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Output formats.
const (
	outputTable   = "table"
	outputJSON    = "json"
	outputJSONL   = "jsonl"
	defaultOutput = outputTable
)

// outputFlag is the --output format.
type outputFlag string

func (f *outputFlag) Set(s string) error {
	switch s {
	case outputTable, outputJSON, outputJSONL:
		*f = outputFlag(s)
		return nil
	}
	return errors.New("must be table, json or jsonl")
}

func (f *outputFlag) String() string { return string(*f) }

// isJSON reports json or jsonl.
func (f outputFlag) isJSON() bool { return f == outputJSON || f == outputJSONL }

// addOutput registers --output with the common default.
func addOutput(fs *flag.FlagSet) *outputFlag {
	o := outputFlag(defaultOutput)
	fs.Var(&o, "output", outputUsage)
	return &o
}

// outputUsage is --output's help, the same on every command.
const outputUsage = "output `format`: table, json (one document) or jsonl (one JSON object a line, as results come)"

// writeJSON writes v as json (indented) or jsonl (one line).
func writeJSON(w io.Writer, format outputFlag, v any) error {
	enc := json.NewEncoder(w)
	if format == outputJSON {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

// outputOf returns the --output value in args, so an error is written in
// the format asked for even when parsing failed; defaultOutput otherwise.
func outputOf(args []string) outputFlag {
	out := outputFlag(defaultOutput)
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "output" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		var f outputFlag
		if f.Set(val) == nil {
			out = f
		}
	}
	return out
}

// cell is a table cell: "-" for an empty value.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// streamTable writes table rows as they come, in columns of fixed width:
// each column is as wide as its header or its minimum, whichever is wider;
// a longer value pushes the rest of its row right. The header is written
// before the first row.
type streamTable struct {
	w      io.Writer
	header []string
	widths []int
	wrote  bool
}

func newStreamTable(w io.Writer, header []string, minWidths ...int) *streamTable {
	t := &streamTable{w: w, header: header, widths: make([]int, len(header))}
	for i, h := range header {
		t.widths[i] = len(h)
		if i < len(minWidths) {
			t.widths[i] = max(t.widths[i], minWidths[i])
		}
	}
	return t
}

func (t *streamTable) line(cols []string) error {
	var b strings.Builder
	for i, c := range cols {
		if i == len(cols)-1 {
			b.WriteString(c)
			break
		}
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", max(t.widths[i]-utf8.RuneCountInString(c), 0)+2))
	}
	b.WriteString("\n")
	_, err := io.WriteString(t.w, b.String())
	return err
}

// row writes one row (empty cells as "-"), after the header the first time.
func (t *streamTable) row(cols ...string) error {
	if !t.wrote {
		t.wrote = true
		if err := t.line(t.header); err != nil {
			return err
		}
	}
	for i := range cols {
		cols[i] = cell(cols[i])
	}
	return t.line(cols)
}

// flush writes the header if no row came, so an empty result still shows
// its columns.
func (t *streamTable) flush() error {
	if t.wrote {
		return nil
	}
	t.wrote = true
	return t.line(t.header)
}

// keyValues writes two-column rows, keys padded to the longest.
func keyValues(w io.Writer, rows [][2]string) error {
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %s\n", width, r[0], cell(r[1]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
