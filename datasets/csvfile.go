package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// table reads a delimited text file with a header row and gives access to columns by name.
// Every error it returns names the file and the 1-based line.
type table struct {
	name   string
	r      *csv.Reader
	cols   map[string]int
	record []string
	line   int
}

// openTable reads the header of a delimited file (gzip-compressed input is detected by its magic
// bytes) and checks that every required column is present.
func openTable(name string, r io.Reader, comma rune, required ...string) (*table, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		br = bufio.NewReader(gz)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.ReuseRecord = true
	if comma == '\t' {
		cr.LazyQuotes = true
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file (no header line)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &table{name: name, r: cr, cols: map[string]int{}, line: 1}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		t.cols[h] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("%s:1: missing column %q (header has %s)", name, c, strings.Join(header, ","))
		}
	}
	return t, nil
}

// next advances to the next record; it returns false at the end of the file.
func (t *table) next() (bool, error) {
	rec, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return false, fmt.Errorf("%s:%d: %v", t.name, pe.Line, pe.Err)
		}
		return false, fmt.Errorf("%s: %w", t.name, err)
	}
	t.line, _ = t.r.FieldPos(0)
	t.record = rec
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false, t.errorf("invalid UTF-8 in %q", f)
		}
	}
	return true, nil
}

// str returns a column's trimmed value; an empty value is an error.
func (t *table) str(col string) (string, error) {
	v := strings.TrimSpace(t.record[t.cols[col]])
	if v == "" {
		return "", t.errorf("empty %s", col)
	}
	return v, nil
}

// int returns a column parsed as an integer.
func (t *table) int(col string) (int, error) {
	s, err := t.str(col)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		// GeoLife writes some integer columns as "12.0".
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int(f)) {
			return 0, t.errorf("column %s: %q is not an integer", col, s)
		}
		v = int(f)
	}
	return v, nil
}

func (t *table) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", t.name, t.line, fmt.Sprintf(format, args...))
}

// readAllBytes is a helper for loaders that need the whole input (e.g. to sniff the delimiter).
func readAllBytes(name string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	return b, nil
}
