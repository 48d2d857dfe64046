package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/results"
)

// budgetRow is one trained stage of one method on one data set at one k, over the seeds.
type budgetRow struct {
	dataset, method, stage string
	k                      int
	stages                 []results.StageBudget // per seed, in seed order
}

// budgetRows collects, from the ok cells, the selected step and the step budget of every trained
// stage (results.Cell.StageBudgets), in the experiment's order of data sets, methods, k and stage.
func budgetRows(e *config.Experiment, cells []*results.Cell) []*budgetRow {
	order := map[string]int{}
	for i, v := range e.Variants {
		order[v.Name] = i
	}
	dsOrder := map[string]int{}
	for i, d := range e.Datasets {
		dsOrder[d] = i
	}
	kOrder := map[int]int{}
	for i, k := range e.TailShots {
		kOrder[k] = i
	}
	sorted := append([]*results.Cell(nil), cells...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Seed < sorted[j].Seed })
	rows := map[string]*budgetRow{}
	var list []*budgetRow
	for _, c := range sorted {
		if c.Status != results.StatusOK {
			continue
		}
		for _, s := range c.StageBudgets() {
			id := fmt.Sprintf("%s\x00%s\x00%d\x00%s", c.Dataset, c.Method, c.TailShots, s.Prefix)
			r := rows[id]
			if r == nil {
				r = &budgetRow{dataset: c.Dataset, method: c.Method, k: c.TailShots, stage: strings.TrimSuffix(s.Prefix, "_")}
				rows[id] = r
				list = append(list, r)
			}
			r.stages = append(r.stages, s)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case dsOrder[a.dataset] != dsOrder[b.dataset]:
			return dsOrder[a.dataset] < dsOrder[b.dataset]
		case order[a.method] != order[b.method]:
			return order[a.method] < order[b.method]
		case a.k != b.k:
			return kOrder[a.k] < kOrder[b.k]
		default:
			return a.stage < b.stage
		}
	})
	return list
}

// budgetSection writes the training budget table: per trained stage, the step each seed's cell
// selected on validation and the stage's step budget; a selected step at the budget means the
// budget, not validation, ended the search. It writes nothing when no cell records a selection.
func budgetSection(b *strings.Builder, e *config.Experiment, cells []*results.Cell) error {
	rows := budgetRows(e, cells)
	if len(rows) == 0 {
		return nil
	}
	var body [][]string
	atBudget, unknown, total := 0, 0, 0
	for _, r := range rows {
		var sel, plan []string
		hits := 0
		for _, st := range r.stages {
			sel = append(sel, fmt.Sprint(st.Selected))
			if st.Planned < 0 {
				plan = append(plan, "?")
				unknown++
				continue
			}
			plan = append(plan, fmt.Sprint(st.Planned))
			if st.AtBudget() {
				hits++
			}
		}
		atBudget += hits
		total += len(r.stages)
		stage := r.stage
		if stage == "" {
			stage = "train"
		}
		body = append(body, []string{r.dataset, r.method, config.KString(r.k), stage,
			strings.Join(sel, ", "), strings.Join(uniqueStrings(plan), ", "), fmt.Sprintf("%d of %d", hits, len(r.stages))})
	}
	if !strings.HasSuffix(b.String(), "\n\n") {
		b.WriteString("\n")
	}
	b.WriteString("## Training budget\n\n")
	b.WriteString("Per trained stage: the step whose parameters were kept (chosen on validation) in each seed's cell, in seed order, and the stage's step budget (its epochs over the training samples, capped at max_steps). A selected step at the budget means the budget, not validation, ended the search.")
	switch {
	case unknown > 0:
		fmt.Fprintf(b, " %d of %d stage runs do not record their budget (written before it was recorded): \"?\".", unknown, total)
	case atBudget == 0:
		fmt.Fprintf(b, " No stage run of the %d selected its last step.", total)
	default:
		fmt.Fprintf(b, " **%d of %d stage runs selected their last step.**", atBudget, total)
	}
	b.WriteString("\n\n")
	t, err := markdownTable([]string{"data set", "method", "k", "stage", "selected step", "budget", "at budget"}, body)
	if err != nil {
		return err
	}
	b.WriteString(t)
	return nil
}

// uniqueStrings returns ss without repeats, in first-seen order.
func uniqueStrings(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
