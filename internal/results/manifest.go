package results

import (
	"encoding/json"
	"fmt"
	"path/filepath"
)

// Cell states in a manifest besides StatusOK and StatusFailed.
const (
	// StateMissing: no result file yet (not run, interrupted, or run by another shard).
	StateMissing = "missing"
	// StateStale: a result file exists but for a different config (the cell will re-run).
	StateStale = "stale"
)

// Manifest lists an experiment's planned cells and where each stands. It is rewritten after every
// run and report, from the cell files, so it is the same whichever runner or shard wrote them.
type Manifest struct {
	Experiment string `json:"experiment"`
	// ConfigFile is the experiments file and ConfigSHA256 the hash of its bytes.
	ConfigFile   string          `json:"config_file"`
	ConfigSHA256 string          `json:"config_sha256"`
	Counts       map[string]int  `json:"counts"`
	Cells        []ManifestEntry `json:"cells"`
}

// ManifestEntry is one planned cell.
type ManifestEntry struct {
	ID         string `json:"id"`
	Path       string `json:"path"` // relative to the experiment folder
	State      string `json:"state"`
	ConfigHash string `json:"config_hash"`
	Reason     string `json:"reason,omitempty"`
}

// WriteManifest stores the manifest atomically as <out>/<exp>/manifest.json.
func WriteManifest(out string, m *Manifest) error {
	m.Counts = map[string]int{}
	for _, c := range m.Cells {
		m.Counts[c.State]++
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return WriteFileAtomic(filepath.Join(out, m.Experiment, "manifest.json"), append(b, '\n'))
}
