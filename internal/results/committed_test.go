package results

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedCellsValidate reads every committed cell file under results/ with Read, which
// validates schema, config hash and metric ranges: a validation rule that rejected a committed
// reference cell would make it "missing" in every report.
func TestCommittedCellsValidate(t *testing.T) {
	n := 0
	err := filepath.WalkDir(filepath.Join("..", "..", "results"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "cache" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") || !strings.Contains(filepath.ToSlash(p), "/cells/") {
			return nil
		}
		n++
		if _, err := Read(p); err != nil {
			t.Error(err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d committed cells found", n)
	}
	t.Logf("%d committed cells valid", n)
}
