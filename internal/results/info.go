package results

import (
	"sort"
	"strings"
)

// Info keys of a trained stage: train.RunStage writes them into a cell's info, after the stage's
// prefix ("" for a method's only stage, "stage1_" for one of several). They are the same for every
// trained method (the classic models, each LM fine-tuning stage); the report reads them.
const (
	// InfoTrainSamples is the number of examples trained on.
	InfoTrainSamples = "train_samples"
	// InfoValidSamples is the number of validation examples evaluated (after Params.ValidSamples).
	InfoValidSamples = "valid_samples"
	// InfoBestValidLoss is the lowest validation cross-entropy seen (train.Result.MinValidLoss).
	InfoBestValidLoss = "best_valid_loss"
	// InfoSelectedStep, InfoSelectedValidLoss and InfoSelectedAcc describe the evaluation whose
	// parameters were kept (train.Params.Select).
	InfoSelectedStep      = "selected_step"
	InfoSelectedValidLoss = "selected_valid_loss"
	InfoSelectedAcc       = "selected_acc"
	// InfoPlannedSteps is the stage's step budget (train.Result.PlannedSteps): a selected step equal to
	// it means the budget, not validation, ended the search (the report's training budget table).
	InfoPlannedSteps = "planned_steps"
	// InfoStoppedEarly is 1 when train.Params.Patience ended training before the planned steps, else 0.
	InfoStoppedEarly = "stopped_early"
)

// StageBudget is one trained stage of a cell, read from its info: the step selected on validation
// and the stage's step budget.
type StageBudget struct {
	// Prefix is the stage's info-key prefix ("" for a method's only stage, "stage1_" for one of
	// several).
	Prefix string
	// Selected is the selected step; Planned the budget, -1 when the cell does not record it
	// (written before budgets were recorded).
	Selected, Planned int
}

// AtBudget reports whether the stage selected the last step of its budget: the budget, not
// validation, ended its search.
func (s StageBudget) AtBudget() bool { return s.Planned >= 0 && s.Selected >= s.Planned }

// StageBudgets returns the trained stages recorded in the cell's info (each InfoSelectedStep key
// with its prefix), sorted by prefix.
func (c *Cell) StageBudgets() []StageBudget {
	var out []StageBudget
	for key, sel := range c.Info {
		prefix, ok := strings.CutSuffix(key, InfoSelectedStep)
		if !ok {
			continue
		}
		s := StageBudget{Prefix: prefix, Selected: int(sel), Planned: -1}
		if p, ok := c.Info[prefix+InfoPlannedSteps]; ok {
			s.Planned = int(p)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Prefix < out[j].Prefix })
	return out
}
