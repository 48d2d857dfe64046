package results

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedCellsValidate reads every committed cell file under results/ with Read, which
// validates schema, config hash and metric ranges: a validation rule that rejected a committed
// reference cell would make it "missing" in every report. It also checks that no trained stage
// of a committed cell selected the last step of its budget.
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
		c, err := Read(p)
		if err != nil {
			t.Error(err)
			return nil
		}
		checkBelowBudget(t, p, c)
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

// checkBelowBudget fails when a trained stage of a committed cell selected the last step of its
// budget (issue 12: validation, not the budget, must end every committed training run), or when
// a trained stage does not record its budget.
func checkBelowBudget(t *testing.T, path string, c *Cell) {
	t.Helper()
	for _, s := range c.StageBudgets() {
		switch {
		case s.Planned < 0:
			t.Errorf("%s: %s%s not recorded", path, s.Prefix, InfoPlannedSteps)
		case s.AtBudget():
			t.Errorf("%s: %s%s = %d is the last step of the budget %d", path, s.Prefix, InfoSelectedStep, s.Selected, s.Planned)
		}
	}
}
