package hf

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Config is the part of a transformers config.json that the Llama and Qwen2 architectures use.
type Config struct {
	ModelType             string       `json:"model_type"`
	VocabSize             int          `json:"vocab_size"`
	HiddenSize            int          `json:"hidden_size"`
	IntermediateSize      int          `json:"intermediate_size"`
	NumHiddenLayers       int          `json:"num_hidden_layers"`
	NumAttentionHeads     int          `json:"num_attention_heads"`
	NumKeyValueHeads      int          `json:"num_key_value_heads"`
	HeadDim               int          `json:"head_dim"`
	RMSNormEps            float64      `json:"rms_norm_eps"`
	RopeTheta             float64      `json:"rope_theta"`
	RopeScaling           *RopeScaling `json:"rope_scaling"`
	TieWordEmbeddings     bool         `json:"tie_word_embeddings"`
	AttentionBias         bool         `json:"attention_bias"`
	MLPBias               bool         `json:"mlp_bias"`
	HiddenAct             string       `json:"hidden_act"`
	MaxPositionEmbeddings int          `json:"max_position_embeddings"`
	UseSlidingWindow      bool         `json:"use_sliding_window"`
}

// RopeScaling is config.json's rope_scaling: "default", "linear" and "llama3" are supported.
type RopeScaling struct {
	RopeType                      string  `json:"rope_type"`
	Type                          string  `json:"type"` // older spelling of rope_type
	Factor                        float64 `json:"factor"`
	LowFreqFactor                 float64 `json:"low_freq_factor"`
	HighFreqFactor                float64 `json:"high_freq_factor"`
	OriginalMaxPositionEmbeddings int     `json:"original_max_position_embeddings"`
}

// LoadConfig reads and validates dir/config.json, filling transformers' defaults.
func LoadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses and validates config.json content.
func ParseConfig(data []byte) (*Config, error) {
	cfg := &Config{}
	if err := json.Unmarshal(data, cfg); err != nil {
		return nil, err
	}
	switch cfg.ModelType {
	case "llama":
	case "qwen2":
		if cfg.UseSlidingWindow {
			return nil, fmt.Errorf("use_sliding_window=true is not supported")
		}
	default:
		return nil, fmt.Errorf("model_type %q is not supported (want llama or qwen2)", cfg.ModelType)
	}
	if cfg.NumKeyValueHeads == 0 {
		cfg.NumKeyValueHeads = cfg.NumAttentionHeads
	}
	if cfg.RMSNormEps == 0 {
		cfg.RMSNormEps = 1e-6
	}
	if cfg.RopeTheta == 0 {
		cfg.RopeTheta = 10000
	}
	if cfg.HiddenAct == "" {
		cfg.HiddenAct = "silu"
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"vocab_size", cfg.VocabSize}, {"hidden_size", cfg.HiddenSize}, {"intermediate_size", cfg.IntermediateSize},
		{"num_hidden_layers", cfg.NumHiddenLayers}, {"num_attention_heads", cfg.NumAttentionHeads},
		{"num_key_value_heads", cfg.NumKeyValueHeads}} {
		if f.v <= 0 {
			return nil, fmt.Errorf("%s must be positive, got %d", f.name, f.v)
		}
	}
	if cfg.HeadDim == 0 {
		if cfg.HiddenSize%cfg.NumAttentionHeads != 0 {
			return nil, fmt.Errorf("hidden_size %d is not divisible by num_attention_heads %d", cfg.HiddenSize, cfg.NumAttentionHeads)
		}
		cfg.HeadDim = cfg.HiddenSize / cfg.NumAttentionHeads
	}
	if cfg.HeadDim%2 != 0 {
		return nil, fmt.Errorf("head_dim %d must be even for rotary positions", cfg.HeadDim)
	}
	if cfg.NumAttentionHeads%cfg.NumKeyValueHeads != 0 {
		return nil, fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d",
			cfg.NumAttentionHeads, cfg.NumKeyValueHeads)
	}
	if cfg.HiddenAct != "silu" {
		return nil, fmt.Errorf("hidden_act %q is not supported (want silu)", cfg.HiddenAct)
	}
	if cfg.RMSNormEps < 0 || cfg.RopeTheta <= 0 {
		return nil, fmt.Errorf("rms_norm_eps (%g) must be >= 0 and rope_theta (%g) > 0", cfg.RMSNormEps, cfg.RopeTheta)
	}
	if rs := cfg.RopeScaling; rs != nil {
		if rs.RopeType == "" {
			rs.RopeType = rs.Type
		}
		switch rs.RopeType {
		case "", "default":
		case "linear":
			if rs.Factor <= 0 {
				return nil, fmt.Errorf("rope_scaling linear: factor must be positive")
			}
		case "llama3":
			if rs.Factor <= 0 || rs.LowFreqFactor <= 0 || rs.HighFreqFactor <= rs.LowFreqFactor || rs.OriginalMaxPositionEmbeddings <= 0 {
				return nil, fmt.Errorf("rope_scaling llama3: need factor > 0, 0 < low_freq_factor < high_freq_factor, original_max_position_embeddings > 0")
			}
		default:
			return nil, fmt.Errorf("rope_scaling type %q is not supported (default, linear, llama3)", rs.RopeType)
		}
	}
	return cfg, nil
}

// InvFreq returns the rotary inverse frequencies (head_dim/2 values), including rope_scaling, as
// transformers computes them.
func (c *Config) InvFreq() []float64 {
	half := c.HeadDim / 2
	inv := make([]float64, half)
	for i := range inv {
		// transformers computes this in float32: 1 / base^(2i/dim).
		exponent := float32(2*i) / float32(c.HeadDim)
		inv[i] = float64(float32(1.0 / math.Pow(c.RopeTheta, float64(exponent))))
	}
	rs := c.RopeScaling
	if rs == nil {
		return inv
	}
	switch rs.RopeType {
	case "linear":
		for i := range inv {
			inv[i] /= rs.Factor
		}
	case "llama3":
		old := float64(rs.OriginalMaxPositionEmbeddings)
		lowWavelen := old / rs.LowFreqFactor
		highWavelen := old / rs.HighFreqFactor
		for i, f := range inv {
			wavelen := 2 * math.Pi / f
			switch {
			case wavelen < highWavelen:
				// High frequency: unchanged.
			case wavelen > lowWavelen:
				inv[i] = f / rs.Factor
			default:
				smooth := (old/wavelen - rs.LowFreqFactor) / (rs.HighFreqFactor - rs.LowFreqFactor)
				inv[i] = (1-smooth)*f/rs.Factor + smooth*f
			}
		}
	}
	return inv
}
