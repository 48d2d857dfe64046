package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/results"
)

// StatsRow is one data set's row of the statistics table: its statistics and, per tail-shot count
// of the table, the number of tail training samples left (-1 = unknown).
type StatsRow struct {
	Stats           datasets.Stats
	TailTrainAfterK []int
}

// StatsTable renders the data set statistics table: users, events, behaviors, anchors counted on
// all events and on training targets (the harness's rule), the anchors' share of training
// targets, samples per split (train before the tail-shot restriction) and the tail training
// samples left for each k.
func StatsTable(ks []int, rows []StatsRow) (string, error) {
	header := []string{"data set", "users", "events", "behaviors", "anchors (all events)", "anchors (train targets)",
		"anchor coverage", "train", "valid", "test"}
	for _, k := range ks {
		header = append(header, "tail train k="+config.KString(k))
	}
	var body [][]string
	for _, r := range rows {
		s := r.Stats
		row := []string{s.Dataset, fmt.Sprint(s.Users), fmt.Sprint(s.Events), fmt.Sprint(s.Behaviors),
			fmt.Sprint(s.AnchorsAllEvents), fmt.Sprint(s.Anchors), fmt.Sprintf("%.1f%%", 100*s.AnchorCoverage),
			fmt.Sprint(s.Train), fmt.Sprint(s.Valid), fmt.Sprint(s.Test)}
		for i := range ks {
			v := "-"
			if i < len(r.TailTrainAfterK) && r.TailTrainAfterK[i] >= 0 {
				v = fmt.Sprint(r.TailTrainAfterK[i])
			}
			row = append(row, v)
		}
		body = append(body, row)
	}
	return markdownTable(header, body)
}

// statsSection writes the statistics table from the statistics stored in the cells.
func statsSection(b *strings.Builder, e *config.Experiment, cells []*results.Cell) error {
	withStats := make([]*results.Cell, 0, len(cells))
	for _, c := range cells {
		if c.TaskStats != nil {
			withStats = append(withStats, c)
		}
	}
	sort.Slice(withStats, func(i, j int) bool { return withStats[i].ID() < withStats[j].ID() })
	var rows []StatsRow
	for _, ds := range e.Datasets {
		row := StatsRow{TailTrainAfterK: make([]int, len(e.TailShots))}
		found := false
		for i, k := range e.TailShots {
			row.TailTrainAfterK[i] = -1
			for _, c := range withStats {
				if c.Dataset == ds && c.TailShots == k {
					row.Stats, found = *c.TaskStats, true
					row.TailTrainAfterK[i] = c.TaskStats.TailTrainAfterK
					break
				}
			}
		}
		if !found {
			row.Stats = datasets.Stats{Dataset: ds + " (no results)"}
		}
		rows = append(rows, row)
	}
	b.WriteString("\n## Data sets\n\n")
	fmt.Fprintf(b, "Samples are counted before the tail-shot restriction, except in the tail train columns. Anchors are behaviors whose share of all events, or of training targets (the rule used), is above anchor_min_share = %g; anchor coverage is the anchors' share of training targets.\n\n", e.Data.AnchorMinShare)
	t, err := StatsTable(e.TailShots, rows)
	if err != nil {
		return err
	}
	b.WriteString(t)
	kt, err := KnowledgeTable(rows)
	if err != nil || kt == "" {
		return err
	}
	b.WriteString("\nThe knowledge population (data.knowledge_users): users whose events only pretrain the behavior LM; the task (every sample above) comes from the other users.\n\n")
	b.WriteString(kt)
	return nil
}
