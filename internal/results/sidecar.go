package results

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/behaviorlm/harness/internal/metrics"
)

// OutcomesRef links a cell to its per-test-sample sidecar, <cell>.outcomes.csv.gz next to the
// cell's JSON: a gzipped CSV with the header "target,pred,rank,anchor" and one row per test
// sample in test order (the gold behavior id, the predicted behavior id, the gold behavior's
// rank among all behaviors, and 1 if the gold behavior is an anchor, else 0). pandas.read_csv
// reads it as is. Every metric of the cell is a function of these rows (metrics.Outcomes.Score),
// so the sidecar carries the evidence for paired statistics without re-running the cell.
type OutcomesRef struct {
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	Samples int    `json:"samples"`
	Classes int    `json:"classes"`
}

const sidecarHeader = "target,pred,rank,anchor"

// maxClasses bounds the class count a cell may record (a corrupt count must not exhaust memory).
const maxClasses = 1 << 24

// SidecarPath returns the sidecar file of the cell stored at path.
func SidecarPath(path string) string {
	return strings.TrimSuffix(path, ".json") + ".outcomes.csv.gz"
}

// writeSidecar stores c.Samples, when set, next to the cell file at path (atomically) and points
// c.Outcomes at it.
func writeSidecar(path string, c *Cell) error {
	if c.Samples == nil {
		return nil
	}
	data, err := EncodeOutcomes(c.Samples)
	if err != nil {
		return fmt.Errorf("sidecar of %s: %w", c.ID(), err)
	}
	sp := SidecarPath(path)
	if err := WriteFileAtomic(sp, data); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	c.Outcomes = &OutcomesRef{File: filepath.Base(sp), SHA256: hex.EncodeToString(sum[:]),
		Samples: c.Samples.Len(), Classes: len(c.Samples.Anchor)}
	return nil
}

// EncodeOutcomes renders outcomes as the sidecar's gzipped CSV (byte-identical for equal
// outcomes: no file name or time in the gzip header).
func EncodeOutcomes(o *metrics.Outcomes) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(zw)
	w.WriteString(sidecarHeader + "\n")
	for i := range o.Target {
		a := 0
		if o.Anchor[o.Target[i]] {
			a = 1
		}
		fmt.Fprintf(w, "%d,%d,%d,%d\n", o.Target[i], o.Pred[i], o.Rank[i], a)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeOutcomes parses a sidecar of a cell with the given number of classes. A class that is
// never a target is marked as not an anchor (no metric depends on it).
func DecodeOutcomes(data []byte, classes int) (*metrics.Outcomes, error) {
	if classes < 1 || classes > maxClasses {
		return nil, fmt.Errorf("%d classes outside [1,%d]", classes, maxClasses)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	r := csv.NewReader(zr)
	r.FieldsPerRecord = 4
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(head, ",") != sidecarHeader {
		return nil, fmt.Errorf("header %q, want %q", strings.Join(head, ","), sidecarHeader)
	}
	o := &metrics.Outcomes{Anchor: make([]bool, classes)}
	seen := make([]int8, classes) // 0 unseen, 1 tail, 2 anchor
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var v [4]int64
		for j, s := range rec {
			v[j], err = strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %q is not an integer", line, s)
			}
		}
		t := v[0]
		if t < 0 || t >= int64(classes) || v[3] < 0 || v[3] > 1 {
			return nil, fmt.Errorf("line %d: target %d or anchor flag %d out of range", line, t, v[3])
		}
		flag := int8(1 + v[3])
		if seen[t] != 0 && seen[t] != flag {
			return nil, fmt.Errorf("line %d: target %d is an anchor on one line and a tail behavior on another", line, t)
		}
		seen[t], o.Anchor[t] = flag, flag == 2
		o.Target = append(o.Target, int32(t))
		o.Pred = append(o.Pred, int32(v[1]))
		o.Rank = append(o.Rank, int32(v[2]))
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// LoadOutcomes reads and validates the sidecar of the cell c stored at path: the file's SHA-256
// must be the one in c.Outcomes, its rows must number c.Outcomes.Samples, and the metrics
// recomputed from it must equal c.Metrics exactly. It returns nil, nil for a cell without a
// sidecar (cells written before sidecars existed, and failed cells) and sets c.Samples.
func LoadOutcomes(path string, c *Cell) (*metrics.Outcomes, error) {
	if c.Outcomes == nil {
		return nil, nil
	}
	ref := c.Outcomes
	if ref.File != filepath.Base(ref.File) || ref.File != filepath.Base(SidecarPath(path)) {
		return nil, fmt.Errorf("cell %s: outcomes file %q is not this cell's sidecar", path, ref.File)
	}
	sp := filepath.Join(filepath.Dir(path), ref.File)
	data, err := os.ReadFile(sp)
	if err != nil {
		return nil, fmt.Errorf("cell %s: sidecar: %w", path, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != ref.SHA256 {
		return nil, fmt.Errorf("cell %s: sidecar %s has SHA-256 %s, the cell records %s (changed or truncated)", path, sp, got, ref.SHA256)
	}
	o, err := DecodeOutcomes(data, ref.Classes)
	if err != nil {
		return nil, fmt.Errorf("cell %s: sidecar %s: %w", path, sp, err)
	}
	if o.Len() != ref.Samples {
		return nil, fmt.Errorf("cell %s: sidecar %s has %d samples, the cell records %d", path, sp, o.Len(), ref.Samples)
	}
	if c.Metrics == nil {
		return nil, fmt.Errorf("cell %s: sidecar without metrics", path)
	}
	if got := o.Score(nil); got != *c.Metrics {
		return nil, fmt.Errorf("cell %s: metrics recomputed from sidecar %s disagree with the cell's (overall acc %v vs %v, tail wf1 %v vs %v)",
			path, sp, got.Overall.Accuracy, c.Metrics.Overall.Accuracy, got.Tail.WeightedF1, c.Metrics.Tail.WeightedF1)
	}
	c.Samples = o
	return o, nil
}
