package stream

import (
	"errors"
	"fmt"
	"strings"
)

// The rebuild reads XREAD replies as raw RESP (go-redis's RawCmd) and walks
// them here, by position: go-redis's own parsing makes a map of every entry,
// which was about a third of the rebuild's time.

// errShortReply is a reply that ended early or is not what XREAD answers.
var errShortReply = errors.New("stream: malformed XREAD reply")

// A respReader walks one RESP2 or RESP3 reply.
type respReader struct{ s string }

// line returns the next line's type byte and the rest of it.
func (r *respReader) line() (byte, string, error) {
	i := strings.IndexByte(r.s, '\n')
	if i < 2 || r.s[i-1] != '\r' {
		return 0, "", errShortReply
	}
	l := r.s[:i-1]
	r.s = r.s[i+1:]
	return l[0], l[1:], nil
}

// header reads a line of a type byte and a length: digits are read as they
// come, the hot path of a reply of millions of strings.
func (r *respReader) header() (byte, int, string, error) {
	s := r.s
	if len(s) < 3 {
		return 0, 0, "", errShortReply
	}
	typ := s[0]
	switch typ {
	case '$', '*', '%':
	default:
		_, l, err := r.line()
		return typ, 0, l, err
	}
	i, n, neg := 1, 0, false
	if s[i] == '-' {
		neg = true
		i++
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i+1 >= len(s) || s[i] != '\r' || s[i+1] != '\n' || n > len(s) {
		return 0, 0, "", errShortReply
	}
	r.s = s[i+2:]
	if neg {
		n = -1
	}
	return typ, n, "", nil
}

// aggregate reads an array's length, or a map's as twice its pairs; a null
// counts as empty.
func (r *respReader) aggregate() (int, error) {
	typ, n, l, err := r.header()
	if err != nil {
		return 0, err
	}
	switch typ {
	case '*', '%':
		if n < 0 {
			return 0, nil
		}
		if typ == '%' {
			n *= 2
		}
		return n, nil
	case '_':
		return 0, nil
	case '-', '!':
		return 0, fmt.Errorf("stream: XREAD: %s", l)
	}
	return 0, errShortReply
}

// str reads a bulk or simple string; the result is a view into the reply.
func (r *respReader) str() (string, error) {
	typ, n, l, err := r.header()
	if err != nil {
		return "", err
	}
	switch typ {
	case '$':
		if n < 0 {
			return "", nil
		}
		if len(r.s) < n+2 || r.s[n] != '\r' {
			return "", errShortReply
		}
		s := r.s[:n]
		r.s = r.s[n+2:]
		return s, nil
	case '+':
		return l, nil
	case '_':
		return "", nil
	}
	return "", errShortReply
}

// eachXRead walks an XREAD reply in its order: stream for each stream, with
// how many entries follow, then entry for each of them. fields alternates
// names and values, and is reused between calls.
func eachXRead(reply string, stream func(name string, n int), entry func(id string, fields []string)) error {
	r := respReader{s: reply}
	typ := byte(0)
	if reply != "" {
		typ = reply[0]
	}
	n, err := r.aggregate()
	if err != nil {
		return err
	}
	if typ == '%' {
		n /= 2 // stream name → entries
	}
	var fields []string
	for range n {
		if typ != '%' {
			// RESP2: each stream is a pair [name, entries].
			if m, err := r.aggregate(); err != nil || m != 2 {
				return cmpErr(err)
			}
		}
		name, err := r.str()
		if err != nil {
			return err
		}
		entries, err := r.aggregate()
		if err != nil {
			return err
		}
		stream(name, entries)
		for range entries {
			if m, err := r.aggregate(); err != nil || m != 2 {
				return cmpErr(err)
			}
			id, err := r.str()
			if err != nil {
				return err
			}
			nf, err := r.aggregate()
			if err != nil {
				return err
			}
			fields = fields[:0]
			for range nf {
				v, err := r.str()
				if err != nil {
					return err
				}
				fields = append(fields, v)
			}
			entry(id, fields)
		}
	}
	return nil
}

func cmpErr(err error) error {
	if err != nil {
		return err
	}
	return errShortReply
}
