package results

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/metrics"
)

// cellWithSamples returns an ok cell whose metrics are those of its outcomes.
func cellWithSamples(t *testing.T) *Cell {
	t.Helper()
	scores := [][]float32{{0.9, 0.1, 0, 0}, {0.2, 0.8, 0, 0}, {0.1, 0.2, 0.7, 0}, {0.1, 0.2, 0.7, 0}, {0.5, 0.4, 0.3, 0.2}}
	o, err := metrics.Rank(scores, []int32{0, 0, 1, 2, 3}, []bool{true, true, false, false})
	if err != nil {
		t.Fatal(err)
	}
	c := sampleCell()
	rep := o.Score(nil)
	c.Metrics, c.Samples = &rep, o
	return c
}

func TestSidecarRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := cellWithSamples(t)
	path := CellPath(dir, "e", c.Dataset, c.Method, c.TailShots, c.Seed)
	if err := Write(path, c); err != nil {
		t.Fatal(err)
	}
	sp := filepath.Join(filepath.Dir(path), "k5-seed1.outcomes.csv.gz")
	data, err := os.ReadFile(sp)
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(data))
	var text bytes.Buffer
	if _, err := text.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	// Hand-derived rows: target, pred, rank, anchor.
	if want := "target,pred,rank,anchor\n0,0,1,1\n0,1,2,1\n1,2,2,1\n2,2,1,0\n3,0,4,0\n"; text.String() != want {
		t.Errorf("sidecar text:\n%s\nwant:\n%s", text.String(), want)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got.Outcomes == nil || got.Outcomes.SHA256 != hex.EncodeToString(sum[:]) || got.Outcomes.Samples != 5 || got.Outcomes.Classes != 4 {
		t.Fatalf("cell's outcomes link: %+v", got.Outcomes)
	}
	if got.ConfigHash != c.ConfigHash {
		t.Error("the sidecar link changed the config hash")
	}
	o, err := LoadOutcomes(path, got)
	if err != nil {
		t.Fatal(err)
	}
	if o.Score(nil) != *got.Metrics || got.Samples != o {
		t.Error("loaded outcomes do not recompute the cell's metrics")
	}
	// Writing the same outcomes again gives the same bytes (no time in the gzip header).
	again, _ := EncodeOutcomes(o)
	if !bytes.Equal(again, data) {
		t.Error("encoding is not deterministic")
	}
}

func TestSidecarTamperingIsRefused(t *testing.T) {
	write := func(t *testing.T) (string, *Cell) {
		dir := t.TempDir()
		c := cellWithSamples(t)
		path := CellPath(dir, "e", c.Dataset, c.Method, c.TailShots, c.Seed)
		if err := Write(path, c); err != nil {
			t.Fatal(err)
		}
		r, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		return path, r
	}
	t.Run("bytes changed", func(t *testing.T) {
		path, c := write(t)
		sp := SidecarPath(path)
		data, _ := os.ReadFile(sp)
		data[len(data)/2] ^= 1
		os.WriteFile(sp, data, 0o644)
		if _, err := LoadOutcomes(path, c); err == nil || !strings.Contains(err.Error(), "SHA-256") {
			t.Errorf("want a SHA-256 mismatch, got %v", err)
		}
	})
	t.Run("rows changed, hash updated", func(t *testing.T) {
		// A consistent forgery: the prediction of sample 2 is made correct and the hash rewritten;
		// the recomputed metrics no longer match the cell's.
		path, c := write(t)
		o := *loadSidecar(t, path, c)
		o.Pred = append([]int32(nil), o.Pred...)
		o.Rank = append([]int32(nil), o.Rank...)
		o.Pred[2], o.Rank[2] = 1, 1
		data, err := EncodeOutcomes(&o)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(SidecarPath(path), data, 0o644)
		sum := sha256.Sum256(data)
		c.Outcomes.SHA256 = hex.EncodeToString(sum[:])
		if _, err := LoadOutcomes(path, c); err == nil || !strings.Contains(err.Error(), "disagree") {
			t.Errorf("want a metrics disagreement, got %v", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		path, c := write(t)
		os.Remove(SidecarPath(path))
		if _, err := LoadOutcomes(path, c); err == nil {
			t.Error("a missing sidecar must be an error")
		}
	})
	t.Run("sample count", func(t *testing.T) {
		path, c := write(t)
		c.Outcomes.Samples = 6
		if _, err := LoadOutcomes(path, c); err == nil {
			t.Error("a wrong sample count must be an error")
		}
	})
	t.Run("other file", func(t *testing.T) {
		path, c := write(t)
		c.Outcomes.File = "../k5-seed1.outcomes.csv.gz"
		if _, err := LoadOutcomes(path, c); err == nil {
			t.Error("a sidecar outside the cell's folder must be refused")
		}
	})
}

// loadSidecar loads the cell's sidecar as written.
func loadSidecar(t *testing.T, path string, c *Cell) *metrics.Outcomes {
	t.Helper()
	o, err := LoadOutcomes(path, c)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestDecodeOutcomesErrors(t *testing.T) {
	enc := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	for name, text := range map[string]string{
		"header":         "t,p,r,a\n0,0,1,1\n",
		"not a number":   "target,pred,rank,anchor\n0,x,1,1\n",
		"fields":         "target,pred,rank,anchor\n0,0,1\n",
		"anchor flag":    "target,pred,rank,anchor\n0,0,1,2\n",
		"mixed anchor":   "target,pred,rank,anchor\n0,0,1,1\n0,1,2,0\n",
		"target range":   "target,pred,rank,anchor\n4,0,2,1\n",
		"rank disagrees": "target,pred,rank,anchor\n0,0,2,1\n",
	} {
		if _, err := DecodeOutcomes(enc(text), 4); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := DecodeOutcomes(enc("target,pred,rank,anchor\n"), -1); err == nil {
		t.Error("negative class count: want an error")
	}
	if _, err := DecodeOutcomes([]byte("plain"), 4); err == nil {
		t.Error("not gzip: want an error")
	}
}

// TestCellWithoutSidecar checks that a cell written before sidecars existed (a committed cell
// with its outcomes link removed) still reads: no outcomes, no error, and re-encoding it adds no
// outcomes key.
func TestCellWithoutSidecar(t *testing.T) {
	c, err := Read(filepath.Join("..", "..", "results", "main", "cells", "nyc", "behaviorlm", "k5-seed1.json"))
	if err != nil {
		t.Fatal(err)
	}
	c.Outcomes = nil
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"outcomes"`) {
		t.Error("a cell without a sidecar must not gain an outcomes key")
	}
	path := filepath.Join(t.TempDir(), "k5-seed1.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = Read(path); err != nil {
		t.Fatal(err)
	}
	o, err := LoadOutcomes(path, c)
	if err != nil || o != nil || c.Outcomes != nil {
		t.Errorf("cell without a sidecar: outcomes %v, link %+v, err %v; want none and no error", o, c.Outcomes, err)
	}
}

// FuzzDecodeOutcomes: any bytes either fail to decode or decode to valid outcomes that encode and
// decode back to the same outcomes.
func FuzzDecodeOutcomes(f *testing.F) {
	o := &metrics.Outcomes{Pred: []int32{0, 1, 2}, Rank: []int32{1, 2, 1}, Target: []int32{0, 0, 2}, Anchor: []bool{true, false, false}}
	good, _ := EncodeOutcomes(o)
	f.Add(good, 3)
	f.Add([]byte("not gzip"), 3)
	f.Fuzz(func(t *testing.T, data []byte, classes int) {
		if classes > 1000 {
			return
		}
		got, err := DecodeOutcomes(data, classes)
		if err != nil {
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("decoded invalid outcomes: %v", err)
		}
		again, err := EncodeOutcomes(got)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeOutcomes(again, classes)
		if err != nil || back.Score(nil) != got.Score(nil) || len(back.Target) != len(got.Target) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
