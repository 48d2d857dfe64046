package train

import "fmt"

// Params are the YAML options of one Fit run that every trained method shares: the classic
// baselines inline them in their parameters, the LM methods once per fine-tuning stage. Config
// maps them onto a Config.
type Params struct {
	// Epochs is the maximum number of passes over the training samples (0 = no limit: MaxSteps
	// decides).
	Epochs int `yaml:"epochs"`
	// MaxSteps caps the number of optimizer steps (0 = no cap); it keeps training within the
	// compute budget on the larger data sets.
	MaxSteps int `yaml:"max_steps"`
	// BatchSize is the number of samples per step.
	BatchSize int `yaml:"batch_size"`
	// LR is AdamW's peak learning rate.
	LR float64 `yaml:"lr"`
	// WeightDecay is AdamW's decoupled weight decay (matrices and embeddings only).
	WeightDecay float64 `yaml:"weight_decay"`
	// Schedule is the learning-rate schedule after warm-up: cosine | linear | constant.
	Schedule string `yaml:"schedule"`
	// WarmupSteps is the number of linear warm-up steps.
	WarmupSteps int `yaml:"warmup_steps"`
	// GradClip is the global gradient-norm clip (0 = none).
	GradClip float64 `yaml:"grad_clip"`
	// Patience stops training after this many evaluations without a lower validation loss; the
	// best parameters are restored at the end either way (0 = no early stopping).
	Patience int `yaml:"patience"`
	// EvalEvery is the number of steps between validation evaluations (0 = once per epoch).
	EvalEvery int `yaml:"eval_every"`
	// ValidSamples is how many valid samples (the first ones: a fixed subset) validation
	// evaluates, to save time (0 = all).
	ValidSamples int `yaml:"valid_samples"`
	// Select is the model-selection rule (Config.Select): loss restores the parameters of the
	// lowest validation loss, acc those of the highest validation accuracy. Empty means loss, and
	// is left out of the recorded configuration (omitempty), so results recorded before the key
	// existed keep their config hashes.
	Select string `yaml:"select,omitempty"`
}

// Validate reports the first invalid field, naming its YAML key.
func (p Params) Validate() error {
	switch {
	case p.Epochs < 0 || p.MaxSteps < 0 || (p.Epochs == 0 && p.MaxSteps == 0):
		return fmt.Errorf("epochs, max_steps: must be >= 0 and not both 0, got %d, %d", p.Epochs, p.MaxSteps)
	case p.BatchSize < 1:
		return fmt.Errorf("batch_size: must be >= 1, got %d", p.BatchSize)
	case !(p.LR > 0):
		return fmt.Errorf("lr: must be > 0, got %g", p.LR)
	case p.WeightDecay < 0:
		return fmt.Errorf("weight_decay: must be >= 0, got %g", p.WeightDecay)
	case p.WarmupSteps < 0:
		return fmt.Errorf("warmup_steps: must be >= 0, got %d", p.WarmupSteps)
	case p.GradClip < 0:
		return fmt.Errorf("grad_clip: must be >= 0, got %g", p.GradClip)
	case p.Patience < 0:
		return fmt.Errorf("patience: must be >= 0, got %d", p.Patience)
	case p.EvalEvery < 0:
		return fmt.Errorf("eval_every: must be >= 0, got %d", p.EvalEvery)
	case p.ValidSamples < 0:
		return fmt.Errorf("valid_samples: must be >= 0, got %d", p.ValidSamples)
	}
	switch p.Schedule {
	case ScheduleCosine, ScheduleLinear, ScheduleConstant:
	default:
		return fmt.Errorf("schedule: want cosine, linear or constant, got %q", p.Schedule)
	}
	switch p.Select {
	case "", SelectLoss, SelectAcc:
	default:
		return fmt.Errorf("select: want loss or acc, got %q", p.Select)
	}
	return nil
}

// Config returns the Fit configuration of p; the loss, seed, resampling and hooks are the
// caller's to set, and so is ValidSamples (the caller passes Fit the validation subset).
func (p Params) Config() Config {
	return Config{Epochs: p.Epochs, MaxSteps: p.MaxSteps, BatchSize: p.BatchSize, LR: p.LR, WeightDecay: p.WeightDecay,
		Schedule: p.Schedule, WarmupSteps: p.WarmupSteps, GradClip: p.GradClip, Patience: p.Patience, EvalEvery: p.EvalEvery,
		Select: p.Select}
}

// LossParams are the YAML options of the training loss (mapped onto Loss by Loss).
type LossParams struct {
	// Kind is ce | class-balanced | focal | logit-adjust [ce].
	Kind string `yaml:"kind"`
	// Beta is the class-balanced loss's effective-number parameter (Cui et al. 2019) [0.999].
	Beta float64 `yaml:"beta"`
	// Gamma is the focal loss's focusing parameter (Lin et al. 2017) [2].
	Gamma float64 `yaml:"gamma"`
	// Tau is the logit-adjustment temperature (Menon et al. 2021) [1].
	Tau float64 `yaml:"tau"`
}

// DefaultLossParams returns plain cross-entropy with the other kinds' parameters at their
// defaults.
func DefaultLossParams() LossParams { return LossParams{Kind: LossCE, Beta: 0.999, Gamma: 2, Tau: 1} }

// Validate reports the first invalid field, naming its YAML key under "loss.".
func (p LossParams) Validate() error {
	switch p.Kind {
	case LossCE, LossFocal:
	case LossClassBalanced:
		if !(p.Beta > 0 && p.Beta < 1) {
			return fmt.Errorf("loss.beta: must be in (0,1), got %g", p.Beta)
		}
	case LossLogitAdjust:
		if !(p.Tau > 0) {
			return fmt.Errorf("loss.tau: must be > 0, got %g", p.Tau)
		}
	default:
		return fmt.Errorf("loss.kind: want ce, class-balanced, focal or logit-adjust, got %q", p.Kind)
	}
	if !(p.Gamma >= 0) {
		return fmt.Errorf("loss.gamma: must be >= 0, got %g", p.Gamma)
	}
	return nil
}

// Loss returns the training loss of p with the class counts of the labels trained on.
func (p LossParams) Loss(classCounts []int) Loss {
	return Loss{Kind: p.Kind, Beta: p.Beta, Gamma: p.Gamma, Tau: p.Tau, ClassCounts: classCounts}
}
