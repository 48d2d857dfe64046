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
	selected, planned      []int // per seed in seed order; -1 = not recorded
}

// budgetRows collects, from the ok cells that trained with validation, the selected step and the
// step budget of every training stage (info keys results.InfoSelectedStep and
// results.InfoPlannedSteps, with a stage prefix such as "stage1_"), in the experiment's order.
func budgetRows(e *config.Experiment, cells []*results.Cell) []*budgetRow {
	order := map[string]int{}
	for i, v := range e.Variants {
		order[v.Name] = i
	}
	dsOrder := map[string]int{}
	for i, d := range e.Datasets {
		dsOrder[d] = i
	}
	sorted := append([]*results.Cell(nil), cells...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Seed < sorted[j].Seed })
	rows := map[string]*budgetRow{}
	var list []*budgetRow
	for _, c := range sorted {
		if c.Status != results.StatusOK {
			continue
		}
		for key, v := range c.Info {
			prefix, ok := strings.CutSuffix(key, results.InfoSelectedStep)
			if !ok {
				continue
			}
			id := fmt.Sprintf("%s\x00%s\x00%d\x00%s", c.Dataset, c.Method, c.TailShots, prefix)
			r := rows[id]
			if r == nil {
				r = &budgetRow{dataset: c.Dataset, method: c.Method, k: c.TailShots, stage: strings.TrimSuffix(prefix, "_")}
				rows[id] = r
				list = append(list, r)
			}
			planned := -1
			if p, ok := c.Info[prefix+results.InfoPlannedSteps]; ok {
				planned = int(p)
			}
			r.selected = append(r.selected, int(v))
			r.planned = append(r.planned, planned)
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
			return kOrder(a.k) < kOrder(b.k)
		default:
			return a.stage < b.stage
		}
	})
	return list
}

// kOrder sorts k = all (0) after every finite k.
func kOrder(k int) int {
	if k == 0 {
		return int(^uint(0) >> 1)
	}
	return k
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
		for i, s := range r.selected {
			sel = append(sel, fmt.Sprint(s))
			p := r.planned[i]
			switch {
			case p < 0:
				plan = append(plan, "?")
				unknown++
			default:
				plan = append(plan, fmt.Sprint(p))
				if s >= p {
					hits++
				}
			}
		}
		atBudget += hits
		total += len(r.selected)
		stage := r.stage
		if stage == "" {
			stage = "train"
		}
		body = append(body, []string{r.dataset, r.method, config.KString(r.k), stage,
			strings.Join(sel, ", "), strings.Join(uniqueStrings(plan), ", "), fmt.Sprintf("%d of %d", hits, len(r.selected))})
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
