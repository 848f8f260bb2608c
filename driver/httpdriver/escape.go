package httpdriver

const upperhex = "0123456789ABCDEF"

// byteClass says how a byte is escaped: unreserved bytes (RFC 3986:
// letters, digits, '-', '_', '.', '~') go as is everywhere; ':' and '@' go
// as is in a path segment.
var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			t[c] = classUnreserved | classPath
		}
	}
	t[':'], t['@'] = classPath, classPath
	return t
}()

const (
	classUnreserved uint8 = 1 << iota
	classPath
)

// AppendPathSegment appends s escaped as exactly one path segment: every
// byte outside RFC 3986's unreserved set, ':' and '@' is percent-encoded (so
// "/", "?", "#", "%" and spaces cannot end or leave the segment), and a
// segment of dots is encoded too, so "." and ".." can never be resolved as
// relative references by a server or proxy. ':' stays, as in Telnyx's
// "v3:…" call ids.
func AppendPathSegment(b []byte, s string) []byte {
	clean, dots := scanSegment(s)
	if clean && !dots {
		return append(b, s...) // the usual case: ids need no escaping
	}
	return appendEscapedSegment(b, s, dots)
}

// appendEscapedSegment is AppendPathSegment's slow path, once s is known
// to need escaping.
func appendEscapedSegment(b []byte, s string, dots bool) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if byteClass[ch]&classPath != 0 && !(dots && ch == '.') {
			b = append(b, ch)
			continue
		}
		b = append(b, '%', upperhex[ch>>4], upperhex[ch&15])
	}
	return b
}

// scanSegment reports whether every byte of s may stay as is in a path
// segment, and whether s is made only of dots.
func scanSegment(s string) (clean, dots bool) {
	dots = true
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			dots = false
			break
		}
	}
	for i := 0; i < len(s); i++ {
		if byteClass[s[i]]&classPath == 0 {
			return false, dots
		}
	}
	return true, dots
}

// AppendQueryEscape appends s encoded like url.QueryEscape: unreserved
// bytes as is, space as '+', everything else percent-encoded.
func AppendQueryEscape(b []byte, s string) []byte {
	i := 0
	for i < len(s) && byteClass[s[i]]&classUnreserved != 0 {
		i++
	}
	b = append(b, s[:i]...) // the unreserved prefix at once: often all of s
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case byteClass[ch]&classUnreserved != 0:
			b = append(b, ch)
		case ch == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperhex[ch>>4], upperhex[ch&15])
		}
	}
	return b
}
