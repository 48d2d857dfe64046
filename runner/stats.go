package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/reports"
)

// printStats prints the statistics table of one data set ("all": every data set of the
// experiment), using the experiment's sample config, tail-shot counts and first seed.
func printStats(cfg *config.Config, e *config.Experiment, name string, stdout, stderr io.Writer) int {
	names := []string{name}
	if name == "all" {
		names = e.Datasets
	}
	var rows []reports.StatsRow
	for _, n := range names {
		ds, ok := cfg.Dataset(n)
		if !ok {
			fmt.Fprintf(stderr, "runner: -stats: unknown data set %q (defined: %s, or all)\n", n, strings.Join(cfg.DatasetNames(), ", "))
			return exitUsage
		}
		log, err := datasets.Load(ds.Spec)
		if err != nil {
			fmt.Fprintf(stderr, "runner: -stats: %v\n", err)
			return exitFailed
		}
		row := reports.StatsRow{}
		for _, k := range e.TailShots {
			task, err := datasets.BuildTask(log, e.Data, k, e.Seeds[0])
			if err != nil {
				fmt.Fprintf(stderr, "runner: -stats: %s: %v\n", n, err)
				return exitFailed
			}
			row.Stats = datasets.ComputeStats(log, task)
			row.Stats.Dataset = n
			row.TailTrainAfterK = append(row.TailTrainAfterK, row.Stats.TailTrainAfterK)
		}
		rows = append(rows, row)
	}
	t, err := reports.StatsTable(e.TailShots, rows)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -stats: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Data set statistics (sample config of experiment %s: history_len %d, split %g/%g/%g, anchor_min_share %g; tail shots chosen with seed %d)\n\n",
		e.Name, e.Data.HistoryLen, e.Data.Split.Train, e.Data.Split.Valid, e.Data.Split.Test, e.Data.AnchorMinShare, e.Seeds[0])
	fmt.Fprint(stdout, t)
	kt, err := reports.KnowledgeTable(rows)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -stats: %v\n", err)
		return exitFailed
	}
	if kt != "" {
		cutoff := "none"
		if e.Data.KnowledgeCutoff != "" {
			cutoff = e.Data.KnowledgeCutoff
		}
		fmt.Fprintf(stdout, "\nKnowledge population (data.knowledge_users %g, knowledge_seed %d, knowledge_cutoff %s): its users pretrain the behavior LM and are not in the task; users and events above count the task users.\n\n",
			e.Data.KnowledgeUsers, e.Data.KnowledgeSeed, cutoff)
		fmt.Fprint(stdout, kt)
	}
	return exitOK
}
