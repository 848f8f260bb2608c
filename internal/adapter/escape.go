package adapter

const upperhex = "0123456789ABCDEF"

// AppendPathSegment appends s escaped as exactly one path segment: every
// byte outside RFC 3986's unreserved set, ':' and '@' is percent-encoded (so
// "/", "?", "#", "%" and spaces cannot end or leave the segment), and a
// segment of dots is encoded too, so "." and ".." can never be resolved as
// relative references by a server or proxy. ':' stays, as in Telnyx's
// "v3:…" call ids.
func AppendPathSegment(b []byte, s string) []byte {
	dots := true
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			dots = false
			break
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if (unreserved(ch) || ch == ':' || ch == '@') && !(dots && ch == '.') {
			b = append(b, ch)
			continue
		}
		b = append(b, '%', upperhex[ch>>4], upperhex[ch&15])
	}
	return b
}

// AppendQueryEscape appends s encoded like url.QueryEscape: unreserved
// bytes as is, space as '+', everything else percent-encoded.
func AppendQueryEscape(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case unreserved(ch):
			b = append(b, ch)
		case ch == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperhex[ch>>4], upperhex[ch&15])
		}
	}
	return b
}

func unreserved(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
		ch == '-' || ch == '_' || ch == '.' || ch == '~'
}
