package reports

import (
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/results"
)

// TestBudgetSection checks the training budget table on hand-made cells: a one-stage method whose
// second seed selected its last step, a two-stage method, a cell written before budgets were
// recorded, and a method without training (no row).
func TestBudgetSection(t *testing.T) {
	e := load(t, "main")
	cell := func(ds, m string, seed uint64, info map[string]results.Float) *results.Cell {
		return &results.Cell{Dataset: ds, Method: m, TailShots: 5, Seed: seed, Status: results.StatusOK, Info: info}
	}
	cells := []*results.Cell{
		cell("syn", "lm", 2, map[string]results.Float{"selected_step": 300, "planned_steps": 300}),
		cell("syn", "lm", 1, map[string]results.Float{"selected_step": 100, "planned_steps": 300}),
		cell("syn", "a|b", 1, map[string]results.Float{"stage1_selected_step": 50, "stage1_planned_steps": 150,
			"stage2_selected_step": 112, "stage2_planned_steps": 112}),
		cell("nyc", "lm", 1, map[string]results.Float{"selected_step": 50}),
		cell("syn", "pop", 1, nil),
	}
	var b strings.Builder
	if err := budgetSection(&b, e, cells); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"1 of 5 stage runs do not record their budget",
		"| syn      | lm     | 5 | train  |      100, 300 | 300    |    1 of 2 |",
		"| syn      | a\\|b   | 5 | stage1 |            50 | 150    |    0 of 1 |",
		"| syn      | a\\|b   | 5 | stage2 |           112 | 112    |    1 of 1 |",
		"| nyc      | lm     | 5 | train  |            50 | ?      |    0 of 1 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("budget section lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "pop") {
		t.Errorf("a method without training has a row:\n%s", got)
	}
	if strings.Index(got, "| syn") > strings.Index(got, "| nyc") {
		t.Errorf("rows are not in the experiment's data set order:\n%s", got)
	}
	b.Reset()
	if err := budgetSection(&b, e, cells[4:]); err != nil || b.Len() != 0 {
		t.Errorf("no trained cell: got %q, %v; want nothing", b.String(), err)
	}
}
