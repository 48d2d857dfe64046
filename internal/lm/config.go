package lm

import (
	"fmt"
)

// Config sizes the transformer and its prompts. Defaults (DefaultConfig) are sized for 2 CPU cores.
type Config struct {
	// Dim is the model width [64].
	Dim int `yaml:"dim" json:"dim"`
	// Layers is the number of transformer blocks [2].
	Layers int `yaml:"layers" json:"layers"`
	// Heads is the number of attention heads; it must divide Dim [2].
	Heads int `yaml:"heads" json:"heads"`
	// FFNDim is the inner size of the feed-forward layers (GELU) [256].
	FFNDim int `yaml:"ffn_dim" json:"ffn_dim"`
	// Dropout is applied to the embeddings, attention weights and residual branches while training [0.1].
	Dropout float64 `yaml:"dropout" json:"dropout"`
	// HistoryLen is the number of most recent history events a prompt shows; 0, or a value above
	// the task's history length, means the task's history length [10]. Prompts are
	// 1 + 3·HistoryLen + 3 tokens long (4 tokens per event with Separator).
	HistoryLen int `yaml:"history_len" json:"history_len"`
	// Separator renders ";" after every event (4 tokens per event instead of 3) [false].
	Separator bool `yaml:"separator" json:"separator"`
	// WordNames represents a behavior through the words of its name (Tokenizer.NameWordIDs)
	// instead of one token of its own [false]: its input embedding is the mean of its words'
	// embeddings, and its score at a position is the sum of its words' log-probabilities under a
	// softmax over the word vocabulary there. Pretraining then maximises the gold behavior's
	// score (the words' likelihood) rather than a softmax over behaviors. Names of one word (GeoLife
	// location ids) behave like one token per behavior.
	WordNames bool `yaml:"word_names,omitempty" json:"word_names,omitempty"`
}

// DefaultConfig returns the default model size.
func DefaultConfig() Config {
	return Config{Dim: 64, Layers: 2, Heads: 2, FFNDim: 256, Dropout: 0.1, HistoryLen: 10}
}

// Validate reports the first invalid field, naming its YAML key.
func (c Config) Validate() error {
	switch {
	case c.Dim < 1:
		return fmt.Errorf("dim: must be >= 1, got %d", c.Dim)
	case c.Layers < 1:
		return fmt.Errorf("layers: must be >= 1, got %d", c.Layers)
	case c.Heads < 1 || c.Dim%c.Heads != 0:
		return fmt.Errorf("heads: must be >= 1 and divide dim %d, got %d", c.Dim, c.Heads)
	case c.FFNDim < 1:
		return fmt.Errorf("ffn_dim: must be >= 1, got %d", c.FFNDim)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("dropout: must be in [0,1), got %g", c.Dropout)
	case c.HistoryLen < 0:
		return fmt.Errorf("history_len: must be >= 0 (0 = the task's), got %d", c.HistoryLen)
	}
	return nil
}

// PretrainConfig configures next-behavior pretraining on the training-period event streams.
type PretrainConfig struct {
	// Epochs is the number of passes over the windows (0 = no limit) [0]; MaxSteps caps the
	// steps (0 = no cap) [400]. At least one must be positive.
	Epochs   int `yaml:"epochs" json:"epochs"`
	MaxSteps int `yaml:"max_steps" json:"max_steps"`
	// BatchSize is the number of windows per step [128].
	BatchSize int `yaml:"batch_size" json:"batch_size"`
	// LR is AdamW's peak learning rate [0.006], reached after WarmupSteps [30] linear steps,
	// followed by cosine decay to 0 at the last step.
	LR          float64 `yaml:"lr" json:"lr"`
	WarmupSteps int     `yaml:"warmup_steps" json:"warmup_steps"`
	// WeightDecay is the decoupled weight decay [0.01] of train.AdamW, the optimizer every
	// trained model of the harness uses (matrices and embeddings decay, biases and norms do not).
	WeightDecay float64 `yaml:"weight_decay" json:"weight_decay"`
	// GradClip clips the global gradient norm (0 = off) [1].
	GradClip float64 `yaml:"grad_clip" json:"grad_clip"`
	// Stride is the number of events between the ends of consecutive windows of a stream
	// (0 = HistoryLen/2, at least 1) [0].
	Stride int `yaml:"stride" json:"stride"`
	// RespectTailShots makes pretraining predict only events that are the targets of the cell's
	// kept training samples (task.StreamKept): with k tail shots, a tail behavior is a pretraining
	// target at most k times, as in fine-tuning, though every event still appears as context. Off
	// (the default), pretraining predicts every training-period event whatever k is, and one
	// pretrained model serves every k [false]. (omitempty: results recorded before the option
	// existed keep their config hashes.)
	RespectTailShots bool `yaml:"respect_tail_shots,omitempty" json:"respect_tail_shots,omitempty"`
	// TaskStreams pretrains on the task users' training-period streams even when the data set has
	// a knowledge population (data.knowledge_users): the same-users design, kept for comparison
	// on the same task [false]. Without a knowledge population, or with RespectTailShots, the task
	// streams are used anyway.
	TaskStreams bool `yaml:"task_streams,omitempty" json:"task_streams,omitempty"`
	// Holdout is the share of the pretraining streams (users) set aside, the same ones for every
	// seed and model size; after pretraining, the pretraining objective and next-behavior accuracy
	// on their windows are recorded (PretrainResult.HeldOut), to choose a model size on events it
	// was not trained on [0 = none].
	Holdout float64 `yaml:"holdout,omitempty" json:"holdout,omitempty"`
}

// DefaultPretrainConfig returns the pretraining defaults.
func DefaultPretrainConfig() PretrainConfig {
	return PretrainConfig{Epochs: 0, MaxSteps: 400, BatchSize: 128, LR: 6e-3, WarmupSteps: 30, WeightDecay: 0.01, GradClip: 1}
}

// Validate reports the first invalid field, naming its YAML key.
func (c PretrainConfig) Validate() error {
	switch {
	case c.Epochs < 0 || c.MaxSteps < 0 || (c.Epochs == 0 && c.MaxSteps == 0):
		return fmt.Errorf("epochs, max_steps: must be >= 0 and not both 0, got %d, %d", c.Epochs, c.MaxSteps)
	case c.BatchSize < 1:
		return fmt.Errorf("batch_size: must be >= 1, got %d", c.BatchSize)
	case !(c.LR > 0):
		return fmt.Errorf("lr: must be > 0, got %g", c.LR)
	case c.WarmupSteps < 0:
		return fmt.Errorf("warmup_steps: must be >= 0, got %d", c.WarmupSteps)
	case c.WeightDecay < 0:
		return fmt.Errorf("weight_decay: must be >= 0, got %g", c.WeightDecay)
	case c.GradClip < 0:
		return fmt.Errorf("grad_clip: must be >= 0, got %g", c.GradClip)
	case c.Stride < 0:
		return fmt.Errorf("stride: must be >= 0, got %d", c.Stride)
	case !(c.Holdout >= 0 && c.Holdout < 1):
		return fmt.Errorf("holdout: must be in [0,1), got %g", c.Holdout)
	}
	return nil
}
