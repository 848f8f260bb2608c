package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// readBodyBefore is readBody before it probed for the end in the spare
// byte: the reference its fast path must agree with.
func readBodyBefore(body io.Reader, length, max int64) ([]byte, error) {
	var head []byte
	if length >= 0 && length <= max {
		head = make([]byte, length)
		if _, err := io.ReadFull(body, head); err != nil {
			return nil, err
		}
	}
	var chunks []*[chunkSize]byte
	size, tail := int64(len(head)), 0
	var err error
	for {
		c := new([chunkSize]byte)
		chunks = append(chunks, c)
		var n int
		n, err = fill(body, c[:])
		size, tail = size+int64(n), n
		if size > max {
			err = fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, max)
			break
		}
		if err != nil {
			break
		}
	}
	switch {
	case err != io.EOF:
		return nil, err
	case size == int64(len(head)):
		return head, nil
	}
	buf := append(make([]byte, 0, size), head...)
	for i, c := range chunks {
		n := chunkSize
		if i == len(chunks)-1 {
			n = tail
		}
		buf = append(buf, c[:n]...)
	}
	return buf, nil
}

// shortReads is a body as a network gives it: reads of at most step
// bytes, the last one with io.EOF when eofWithData, and failing with
// errBroken instead of io.EOF when broken.
type shortReads struct {
	b                   []byte
	step                int
	eofWithData, broken bool
}

var errBroken = errors.New("connection reset")

func (r *shortReads) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		if r.broken {
			return 0, errBroken
		}
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.step)], r.b)
	r.b = r.b[n:]
	if len(r.b) == 0 && r.eofWithData && !r.broken {
		return n, io.EOF
	}
	return n, nil
}

// readBody returns what it returned before, for bodies as long as
// announced, shorter, longer (by one byte and by more), of unknown length,
// past the bound, and failing.
func FuzzReadBody(f *testing.F) {
	for _, c := range []struct {
		size, length, max   int
		step                uint8
		eofWithData, broken bool
	}{
		{600, 600, 1 << 20, 255, false, false}, {600, 600, 1 << 20, 255, true, false}, {600, 599, 1 << 20, 7, false, false},
		{600, 599, 600, 7, true, false}, {601, 600, 600, 255, false, false}, {600, 500, 1 << 20, 1, true, false},
		{600, 601, 1 << 20, 255, false, false}, {600, -1, 1 << 20, 255, false, false}, {600, 600, 599, 255, false, false},
		{600, 600, 1 << 20, 255, false, true}, {600, 599, 1 << 20, 255, false, true}, {0, 0, 10, 1, false, false},
		{40000, 39000, 1 << 20, 255, false, false}, {40000, 39000, 39500, 255, true, false},
		{601, 600, 600, 255, true, false}, // one byte past the bound, its io.EOF with that byte
	} {
		f.Add(c.size, c.length, c.max, c.step, c.eofWithData, c.broken)
	}
	f.Fuzz(func(t *testing.T, size, length, max int, step uint8, eofWithData, broken bool) {
		if size < 0 || size > 1<<17 || max < 0 || max > 1<<17 || length > 1<<17 || step == 0 {
			return
		}
		body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		got, gerr := readBody(&shortReads{body, int(step), eofWithData, broken}, int64(length), int64(max))
		want, werr := readBodyBefore(&shortReads{body, int(step), eofWithData, broken}, int64(length), int64(max))
		if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("size %d, length %d, max %d: got %d bytes, %v; before: %d bytes, %v", size, length, max,
				len(got), gerr, len(want), werr)
		}
	})
}
