package httpdriver

import (
	"fmt"
	"strings"

	"github.com/carrierkit/carrierkit/participant"
)

// Path is an operation's path template, parsed once: literal text and the
// placeholders {account}, {conference} and {call}, each replaced by its
// value escaped as exactly one path segment (AppendPathSegment), e.g.
// "/2010-04-01/Accounts/{account}/Conferences/{conference}/Participants/{call}.json".
// A literal query may follow the path ("/v1/calls?conversation_uuid={conference}"):
// a placeholder there is escaped the same way, which a query accepts.
type Path struct {
	parts []pathPart
	fixed int // bytes of literal text
}

type pathPart struct {
	lit string
	id  pathID
}

type pathID uint8

const (
	literal pathID = iota
	idAccount
	idConference
	idCall
)

var placeholders = map[string]pathID{"{account}": idAccount, "{conference}": idConference, "{call}": idCall}

// MustPath parses tmpl; it panics on an unknown placeholder, as dialects
// are declared in package variables.
func MustPath(tmpl string) Path {
	var p Path
	for rest := tmpl; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			p.add(pathPart{lit: rest})
			break
		}
		if i > 0 {
			p.add(pathPart{lit: rest[:i]})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			panic(fmt.Sprintf("httpdriver: path %q: unclosed placeholder", tmpl))
		}
		id, ok := placeholders[rest[i:i+j+1]]
		if !ok {
			panic(fmt.Sprintf("httpdriver: path %q: unknown placeholder %s", tmpl, rest[i:i+j+1]))
		}
		p.add(pathPart{id: id})
		rest = rest[i+j+1:]
	}
	return p
}

func (p *Path) add(part pathPart) {
	p.parts = append(p.parts, part)
	p.fixed += len(part.lit)
}

// build returns base followed by the path for account and ref, in one
// allocation when no byte needs escaping.
func (p Path) build(base, account string, ref participant.Ref) string {
	var b strings.Builder
	b.Grow(len(base) + p.fixed + len(account) + len(ref.Conference) + len(ref.Call))
	b.WriteString(base)
	for _, part := range p.parts {
		switch part.id {
		case literal:
			b.WriteString(part.lit)
		case idAccount:
			writePathSegment(&b, account)
		case idConference:
			writePathSegment(&b, ref.Conference)
		case idCall:
			writePathSegment(&b, ref.Call)
		}
	}
	return b.String()
}

// writePathSegment writes s escaped as one path segment (AppendPathSegment).
func writePathSegment(b *strings.Builder, s string) {
	clean, dots := scanSegment(s)
	if clean && !dots {
		b.WriteString(s)
		return
	}
	var buf [128]byte
	b.Write(appendEscapedSegment(buf[:0], s, dots))
}
