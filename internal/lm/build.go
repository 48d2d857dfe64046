package lm

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
)

// Options says how to build a model for a task.
type Options struct {
	Model    Config
	Pretrain PretrainConfig
	// Pretrained false leaves the model randomly initialised (no pretraining).
	Pretrained bool
	LoRA       LoRA
}

// Build returns the model for task and a fresh context seeded with env.Seed holding its weights:
// with opts.Pretrained the pretrained weights, read from the cache under env.CacheDir when a valid
// entry for the same key exists, else pretrained now on SourceOf(task) and cached (atomically);
// without, nothing (the variables are initialised randomly, from the seed, on first use). A cache
// file that cannot be read is logged and recomputed. res is nil without pretraining.
func Build(env method.Env, task *datasets.Task, opts Options) (m *Model, ctx *context.Context, res *PretrainResult, err error) {
	cfg := opts.Model
	if cfg.HistoryLen == 0 || cfg.HistoryLen > task.Config.HistoryLen {
		cfg.HistoryLen = task.Config.HistoryLen
	}
	newTokenizer := NewTokenizer
	if cfg.WordNames {
		newTokenizer = NewWordTokenizer
	}
	tok, err := newTokenizer(task.Behaviors)
	if err != nil {
		return nil, nil, nil, err
	}
	rend, err := NewRenderer(tok, cfg.HistoryLen, cfg.Separator)
	if err != nil {
		return nil, nil, nil, err
	}
	if m, err = NewModel(cfg, rend, opts.LoRA); err != nil {
		return nil, nil, nil, err
	}
	ctx = context.New()
	engine.SeedContext(ctx, env.Seed)
	if !opts.Pretrained {
		return m, ctx, nil, nil
	}
	if err := opts.Pretrain.Validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("lm: pretrain.%w", err)
	}
	src := SourceOf(task, opts.Pretrain)
	key := CacheKey(src, cfg, opts.Pretrain, env.Seed)
	var path string
	if env.CacheDir != "" {
		path = CachePath(env.CacheDir, src.Dataset, env.Seed, key)
		w, cached, err := readWeights(path, key)
		switch {
		case err == nil:
			if err := w.Install(ctx); err != nil {
				return nil, nil, nil, err
			}
			cached.Cached = true
			env.Log("pretrain: loaded cached weights %s", path)
			return m, ctx, cached, nil
		case !errors.Is(err, fs.ErrNotExist):
			env.Log("pretrain: ignoring unreadable cache file (will pretrain again): %v", err)
		}
	}
	base, err := NewModel(cfg, rend, LoRA{})
	if err != nil {
		return nil, nil, nil, err
	}
	pctx := context.New()
	engine.SeedContext(pctx, env.Seed)
	start := time.Now()
	res, err = Pretrain(env, pctx, base, src.Streams, src.Kept, opts.Pretrain, env.Seed)
	if err != nil {
		return nil, nil, nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	if src.HeldOut != nil {
		score, err := base.ScoreStreams(env, pctx, src.HeldOut, opts.Pretrain.Stride, opts.Pretrain.BatchSize)
		if err != nil {
			return nil, nil, nil, err
		}
		res.HeldOut = &score
		env.Log("pretrain: held-out streams (%d): loss %.4f, next-behavior accuracy %.4f over %d events", len(src.HeldOut), score.Loss, score.Acc, score.Events)
	}
	w, err := ModelWeights(pctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if path != "" {
		if err := writeWeights(path, key, *res, w); err != nil {
			env.Log("pretrain: could not cache the weights: %v", err)
		} else {
			env.Log("pretrain: cached weights in %s", path)
		}
	}
	if err := w.Install(ctx); err != nil {
		return nil, nil, nil, err
	}
	return m, ctx, res, nil
}
