package results

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
