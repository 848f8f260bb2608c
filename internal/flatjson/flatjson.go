// Package flatjson reads chosen top-level members of a JSON object, about
// five times faster than encoding/json, for the shape carriers answer in:
// one object of plain strings, booleans, numbers and nulls. It reads only a
// subset of JSON and says when a body is outside it; the caller then decodes
// with encoding/json, which stays the reference (see FuzzScan).
package flatjson

import (
	"bytes"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Kind is the JSON type of a member's value.
type Kind uint8

const (
	Absent    Kind = iota // no member of that name
	Null                  // null
	String                // a string without escapes; Value.Raw holds its bytes
	True                  // true
	False                 // false
	Number                // a number; Value.Raw holds it
	Composite             // an object or an array
)

// Value is the last value a member of a given name had.
type Value struct {
	Kind Kind
	Raw  []byte // the string's bytes (no quotes) or the number; a slice of the body
}

// maxDepth bounds the nesting of the values Scan skips over; deeper bodies
// are left to encoding/json.
const maxDepth = 32

// Scan reads body, which must be one JSON object, and sets vals[i] to the
// value of its member named exactly keys[i], Absent when there is none.
// vals must be as long as keys.
//
// Scan reports false, and the caller must decode body with encoding/json,
// when body is not valid JSON or is outside the subset it reads:
//   - a member of keys that appears twice (encoding/json applies both in
//     turn, and what a null does then depends on the Go type);
//   - a member of keys whose string value has an escape or bytes that are
//     not valid UTF-8 (encoding/json unescapes and replaces them);
//   - a member name with an escape or a byte outside printable ASCII;
//   - a member name that differs from one of keys only in case
//     (encoding/json would match it);
//   - values nested deeper than 32.
func Scan(body []byte, keys []string, vals []Value) bool {
	for i := range vals {
		vals[i] = Value{}
	}
	s := scanner{b: body}
	s.space()
	if !s.consume('{') {
		return false
	}
	s.space()
	if s.consume('}') {
		return s.end()
	}
	for {
		name, ok := s.name()
		if !ok {
			return false
		}
		s.space()
		if !s.consume(':') {
			return false
		}
		s.space()
		i := index(keys, name)
		if i < 0 && foldsToAny(keys, name) || i >= 0 && vals[i].Kind != Absent {
			return false
		}
		v, ok := s.value(i >= 0, 0)
		if !ok {
			return false
		}
		if i >= 0 {
			vals[i] = v
		}
		s.space()
		if s.consume(',') {
			s.space()
			continue
		}
		if s.consume('}') {
			return s.end()
		}
		return false
	}
}

func index(keys []string, name []byte) int {
	for i, k := range keys {
		if k == string(name) {
			return i
		}
	}
	return -1
}

// foldsToAny reports whether name, printable ASCII, matches one of keys
// under encoding/json's folding. A key may be longer than a name it folds
// to: ſ (U+017F) folds to s and K (U+212A, the Kelvin sign) to k.
func foldsToAny(keys []string, name []byte) bool {
	for _, k := range keys {
		if len(k) >= len(name) && bytes.EqualFold([]byte(k), name) {
			return true
		}
	}
	return false
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only white space follows the object.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// name reads a member name: a string of printable ASCII without escapes.
func (s *scanner) name() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// value reads one value. A kept value (one of the caller's keys) that is a
// string must have no escapes and be valid UTF-8; a skipped one need only
// be valid JSON.
func (s *scanner) value(keep bool, depth int) (Value, bool) {
	if s.i >= len(s.b) {
		return Value{}, false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str(keep)
	case c == '{' || c == '[':
		if depth >= maxDepth || !s.composite(depth) {
			return Value{}, false
		}
		return Value{Kind: Composite}, true
	case c == 't':
		return Value{Kind: True}, s.literal("true")
	case c == 'f':
		return Value{Kind: False}, s.literal("false")
	case c == 'n':
		return Value{Kind: Null}, s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		start := s.i
		if !s.number() {
			return Value{}, false
		}
		return Value{Kind: Number, Raw: s.b[start:s.i]}, true
	}
	return Value{}, false
}

func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// str reads a string. Kept strings must be plain: no escapes, valid UTF-8.
func (s *scanner) str(keep bool) (Value, bool) {
	s.i++ // the opening quote
	start, ascii := s.i, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			if keep && !ascii && !utf8.Valid(raw) {
				return Value{}, false
			}
			return Value{Kind: String, Raw: raw}, true
		case c < 0x20:
			return Value{}, false
		case c == '\\':
			if keep || !s.escape() {
				return Value{}, false
			}
			continue
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return Value{}, false
}

// escape steps over one valid escape sequence at s.i (the backslash).
func (s *scanner) escape() bool {
	if s.i+1 >= len(s.b) {
		return false
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return true
	case 'u':
		if s.i+6 > len(s.b) {
			return false
		}
		for _, h := range s.b[s.i+2 : s.i+6] {
			if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
				return false
			}
		}
		s.i += 6
		return true
	}
	return false
}

// number steps over a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	s.consume('-')
	switch {
	case s.consume('0'):
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.consume('.') && !s.digits() {
		return false
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if !s.consume('+') {
			s.consume('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits steps over one or more digits and reports whether there was one.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// composite steps over an object or an array whose values are at most
// maxDepth deep.
func (s *scanner) composite(depth int) bool {
	closer := byte('}')
	object := s.b[s.i] == '{'
	if !object {
		closer = ']'
	}
	s.i++
	s.space()
	if s.consume(closer) {
		return true
	}
	for {
		if object {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			if _, ok := s.str(false); !ok {
				return false
			}
			s.space()
			if !s.consume(':') {
				return false
			}
			s.space()
		}
		if _, ok := s.value(false, depth+1); !ok {
			return false
		}
		s.space()
		if s.consume(',') {
			s.space()
			continue
		}
		return s.consume(closer)
	}
}

// Decode is Scan followed by encoding/json's assignment of each member to
// dsts[i], which must be a *string, a *bool or a **bool: a null leaves a
// string or a bool as it is and sets a **bool to nil; an absent member
// leaves its destination alone. It reports false, and the caller must
// decode with encoding/json from zero, when Scan does or when a value does
// not fit its destination (encoding/json would fail). dsts may be partly
// written then.
func Decode(body []byte, keys []string, dsts []any) bool {
	var buf [16]Value
	vals := buf[:0]
	if len(keys) > len(buf) {
		vals = make([]Value, len(keys))
	}
	vals = vals[:len(keys)]
	if !Scan(body, keys, vals) {
		return false
	}
	for i, v := range vals {
		if v.Kind == Absent {
			continue
		}
		switch d := dsts[i].(type) {
		case *string:
			switch v.Kind {
			case String:
				*d = string(v.Raw)
			case Null:
			default:
				return false
			}
		case *bool:
			switch v.Kind {
			case True, False:
				*d = v.Kind == True
			case Null:
			default:
				return false
			}
		case **bool:
			switch v.Kind {
			case True, False:
				b := v.Kind == True
				*d = &b
			case Null:
				*d = nil
			default:
				return false
			}
		default:
			panic("flatjson.Decode: unsupported destination type " + reflect.TypeOf(dsts[i]).String())
		}
	}
	return true
}

// Names returns the JSON member names of struct type t's fields, in field
// order, as encoding/json reads them from their `json` tags (a field
// without one is named as it is spelled). A field encoding/json skips
// (`json:"-"`) has no name to give: Names panics, as for a type that is not
// a struct.
func Names(t reflect.Type) []string {
	names := make([]string, t.NumField())
	for i := range names {
		f := t.Field(i)
		if f.Tag.Get("json") == "-" {
			panic("flatjson.Names: field " + f.Name + " is skipped by encoding/json")
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		names[i] = name
	}
	return names
}
