package results

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/metrics"
)

func sampleCell() *Cell {
	cfg := CellConfig{Method: "pop", Kind: "pop", Params: map[string]any{"b": 2.0, "a": []any{1.5, "x"}},
		Data: datasets.DefaultSampleConfig(), Dataset: datasets.Spec{Loader: "synthetic"}, TailShots: 5, Seed: 1}
	h, _ := cfg.Hash()
	return &Cell{Experiment: "e", Dataset: "syn", Method: "pop", Kind: "pop", TailShots: 5, Seed: 1, Status: StatusOK,
		Metrics: &metrics.Report{Overall: metrics.Metrics{N: 10, Accuracy: 0.5}, Anchor: metrics.Metrics{N: 6, Accuracy: 0.75}, Tail: metrics.Metrics{N: 4, Accuracy: 0.125}}, Config: cfg, ConfigHash: h,
		Stages: []Stage{{Name: "fit", Seconds: 1, FinalLoss: Float(math.NaN())}},
		Info:   map[string]Float{"inf": Float(math.Inf(1)), "x": 2.5},
		Start:  time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), End: time.Date(2025, 1, 2, 3, 4, 6, 0, time.UTC)}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	c := sampleCell()
	path := CellPath(dir, "e", c.Dataset, c.Method, c.TailShots, c.Seed)
	if want := filepath.Join(dir, "e", "cells", "syn", "pop", "k5-seed1.json"); path != want {
		t.Errorf("CellPath = %s, want %s", path, want)
	}
	if err := Write(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(got.Stages[0].FinalLoss)) || !math.IsInf(float64(got.Info["inf"]), 1) || got.Info["x"] != 2.5 {
		t.Errorf("non-finite values did not round-trip: %+v %+v", got.Stages, got.Info)
	}
	got.Stages, got.Info, c.Stages, c.Info = nil, nil, nil, nil
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if c.ID() != "syn/pop/5/1" || ID("d", "m", 0, 3) != "d/m/all/3" {
		t.Errorf("ids: %s %s", c.ID(), ID("d", "m", 0, 3))
	}
}

func TestReadRejectsBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	c := sampleCell()
	path := CellPath(dir, "e", c.Dataset, c.Method, c.TailShots, c.Seed)
	if err := Write(path, c); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for name, content := range map[string]string{
		"truncated":  string(b[:len(b)/2]),
		"empty":      "",
		"no metrics": strings.Replace(string(b), `"metrics"`, `"metricz"`, 1),
		"bad status": strings.Replace(string(b), `"status": "ok"`, `"status": "done"`, 1),
		// Well-formed JSON that is not a valid ok cell (found by hostile testing, issue 14).
		"empty metrics":       regexp.MustCompile(`(?s)"metrics": \{.*?\n  \}`).ReplaceAllString(string(b), `"metrics": {}`),
		"renamed metric":      strings.Replace(string(b), `"acc"`, `"accuracy"`, 1),
		"missing metric":      strings.Replace(string(b), `"macro_f1": 0,`, ``, 1),
		"impossible accuracy": strings.Replace(string(b), `"acc": 0.5`, `"acc": 7.5`, 1),
		"negative count":      strings.Replace(string(b), `"n": 4`, `"n": -4`, 1),
		"inconsistent counts": strings.Replace(string(b), `"n": 10`, `"n": 11`, 1),
		"edited config":       strings.Replace(string(b), `"seed": 1`, `"seed": 2`, -1),
	} {
		if content == string(b) {
			t.Fatalf("%s: the edit did not apply", name)
		}
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := Read(p); err == nil {
			t.Errorf("%s: Read accepted a broken file", name)
		}
	}
	cells, errs := ReadAll(dir, "e")
	if len(cells) != 1 || len(errs) != 0 {
		t.Errorf("ReadAll: %d cells, errors %v", len(cells), errs)
	}
	os.WriteFile(filepath.Join(filepath.Dir(path), "k9-seed1.json"), b[:10], 0o644)
	cells, errs = ReadAll(dir, "e")
	if len(cells) != 1 || len(errs) != 1 {
		t.Errorf("ReadAll with a corrupt file: %d cells, %d errors", len(cells), len(errs))
	}
	if cells, errs := ReadAll(dir, "none"); len(cells) != 0 || len(errs) != 0 {
		t.Errorf("ReadAll of a missing experiment: %v %v", cells, errs)
	}
}

func TestHash(t *testing.T) {
	a := sampleCell().Config
	b := sampleCell().Config
	ha, _ := a.Hash()
	hb, _ := b.Hash()
	if ha != hb || len(ha) != 64 {
		t.Fatalf("equal configs hash differently: %s %s", ha, hb)
	}
	b.Params.(map[string]any)["b"] = 3
	if hb, _ = b.Hash(); ha == hb {
		t.Error("changed params, same hash")
	}
	b = sampleCell().Config
	b.Data.HistoryLen = 7
	if hb, _ = b.Hash(); ha == hb {
		t.Error("changed data config, same hash")
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.json.lock")
	l, err := AcquireLock(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(path, time.Hour)
	var le *LockedError
	if !errors.As(err, &le) || !strings.Contains(le.Error(), "pid ") {
		t.Fatalf("second lock: %v, want a LockedError naming the holder", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("lock file left after Release: %v", err)
	}
	l, err = AcquireLock(path, time.Hour)
	if err != nil {
		t.Fatalf("re-acquire after release: %v", err)
	}
	l.Release()
}

func TestStaleLocks(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	// A process that has exited: its pid is free (unless reused within this test, very unlikely).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot start a process:", err)
	}
	dead := cmd.Process.Pid

	deadPath := filepath.Join(dir, "dead.lock")
	os.WriteFile(deadPath, []byte("pid "+itoa(dead)+"\nhost "+host+"\n"+namespaceLines()+"started x\n"), 0o644)
	l, err := AcquireLock(deadPath, time.Hour)
	if err != nil {
		t.Fatalf("lock of a dead process was not broken: %v", err)
	}
	l.Release()

	// The same pid and host name in another PID namespace (a container with host networking) is
	// not this host's dead process: only the heartbeat may break its lock (issue 14).
	for name, ns := range map[string]string{
		"other PID namespace": strings.Replace(namespaceLines(), "pidns ", "pidns other-", 1),
		"other boot":          strings.Replace(namespaceLines(), "boot ", "boot other-", 1),
		"no namespace lines":  "",
	} {
		p := filepath.Join(dir, "ns.lock")
		os.WriteFile(p, []byte("pid "+itoa(dead)+"\nhost "+host+"\n"+ns+"started x\n"), 0o644)
		if _, err := AcquireLock(p, time.Hour); err == nil {
			t.Fatalf("%s: a fresh lock of a live runner was broken", name)
		}
		os.Remove(p)
	}

	livePath := filepath.Join(dir, "live.lock")
	os.WriteFile(livePath, []byte("pid "+itoa(os.Getpid())+"\nhost "+host+"\nstarted x\n"), 0o644)
	if _, err := AcquireLock(livePath, time.Hour); err == nil {
		t.Fatal("a live lock was broken")
	}
	otherHost := filepath.Join(dir, "other.lock")
	os.WriteFile(otherHost, []byte("pid 1\nhost elsewhere\nstarted x\n"), 0o644)
	if _, err := AcquireLock(otherHost, time.Hour); err == nil {
		t.Fatal("a fresh lock of another host was broken")
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(otherHost, old, old)
	l, err = AcquireLock(otherHost, time.Hour)
	if err != nil {
		t.Fatalf("an old lock of another host was not broken: %v", err)
	}
	l.Release()
}

func TestHeartbeat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hb.lock")
	l, err := AcquireLock(path, 40*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	// The heartbeat refreshes every 10 ms; poll (up to 5 s, for loaded CI machines) until the
	// modification time is recent again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := os.Stat(path)
		if err == nil && time.Since(info.ModTime()) < time.Minute {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartbeat did not refresh the lock within 5 s: stat %v, %v", info, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFloatJSON(t *testing.T) {
	for _, v := range []float64{0, 1.25, math.NaN(), math.Inf(1), math.Inf(-1)} {
		b, err := json.Marshal(Float(v))
		if err != nil {
			t.Fatal(err)
		}
		var f Float
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if !(float64(f) == v || math.IsNaN(v) && math.IsNaN(float64(f))) {
			t.Errorf("%v -> %s -> %v", v, b, f)
		}
	}
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Experiment: "e", Cells: []ManifestEntry{{ID: "a", State: StatusOK}, {ID: "b", State: StateMissing}, {ID: "c", State: StatusOK}}}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "e", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got Manifest
	json.Unmarshal(b, &got)
	if got.Counts[StatusOK] != 2 || got.Counts[StateMissing] != 1 {
		t.Errorf("counts = %v", got.Counts)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
