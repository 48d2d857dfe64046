package lm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
)

// cacheVersion changes whenever the model code or the pretraining procedure changes in a way
// that makes old cache entries wrong.
const cacheVersion = 1

// Source is what pretraining reads from a task: the data set name, the behavior names (the
// vocabulary), the training-period event streams and, only when pretraining respects the tail
// shots, which events may be targets (Kept; nil = all). Without Kept it does not depend on the
// tail-shot k, so one pretrained model serves every k.
type Source struct {
	Dataset   string
	Behaviors []string
	Streams   [][]datasets.Step
	Kept      [][]bool
	// HeldOut are the streams pretrain.holdout set aside: scored after pretraining, never trained on.
	HeldOut [][]datasets.Step
}

// SourceOf returns the pretraining source of a task: its knowledge population's streams when it
// has one (no task user's event is then read), else, or with cfg.TaskStreams or
// cfg.RespectTailShots, the task users' training-period streams, with the task's StreamKept when
// cfg.RespectTailShots (k-respecting pretraining masks the task's removed samples, so it reads
// the task users).
func SourceOf(task *datasets.Task, cfg PretrainConfig) Source {
	src := Source{Dataset: task.Dataset, Behaviors: task.Behaviors, Streams: task.Streams}
	if task.Knowledge != nil && !cfg.TaskStreams && !cfg.RespectTailShots {
		src.Streams = task.Knowledge.Streams
	} else if cfg.RespectTailShots {
		src.Kept = task.StreamKept
	}
	src.Streams, src.Kept, src.HeldOut = splitHoldout(src.Streams, src.Kept, cfg.Holdout)
	return src
}

// ContentHash is a SHA-256 over the behavior names, every event of the streams and of the held-out
// streams, if any, and the positions Kept marks false, if any.
func (s Source) ContentHash() string {
	h := sha256.New()
	var b [4]byte
	w := func(v uint32) { binary.LittleEndian.PutUint32(b[:], v); h.Write(b[:]) }
	w(uint32(len(s.Behaviors)))
	for _, n := range s.Behaviors {
		w(uint32(len(n)))
		h.Write([]byte(n))
	}
	streams := func(ss [][]datasets.Step) {
		w(uint32(len(ss)))
		for _, st := range ss {
			w(uint32(len(st)))
			for _, e := range st {
				w(uint32(e.Behavior))
				w(uint32(e.Weekday)<<8 | uint32(e.Hour))
			}
		}
	}
	streams(s.Streams)
	if s.HeldOut != nil { // absent without holdout: older keys stay valid
		streams(s.HeldOut)
	}
	if s.Kept != nil {
		// Only the removed positions: with none, pretraining is the unmasked one, and so is the hash.
		for i, k := range s.Kept {
			for j, ok := range k {
				if !ok {
					w(uint32(i))
					w(uint32(j))
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CacheKey derives the cache key of pretrained weights from everything that determines them: the
// code version, the data set, the content of the streams and behavior names, the model
// configuration (with its resolved history length), the pretraining configuration and the seed.
//
// RespectTailShots enters the key only through the content (the removed targets): at k = all, or
// when k removes nothing, pretraining is the same as without the option and so is the key.
func CacheKey(src Source, cfg Config, pcfg PretrainConfig, seed uint64) string {
	pcfg.RespectTailShots = false
	j, _ := json.Marshal(struct {
		Version  int            `json:"version"`
		Dataset  string         `json:"dataset"`
		Content  string         `json:"content"`
		Model    Config         `json:"model"`
		Pretrain PretrainConfig `json:"pretrain"`
		Seed     uint64         `json:"seed"`
	}{cacheVersion, src.Dataset, src.ContentHash(), cfg, pcfg, seed})
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:])
}

// CachePath returns where the weights of key are cached under cacheDir.
func CachePath(cacheDir, dataset string, seed uint64, key string) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, dataset)
	return filepath.Join(cacheDir, "behavior-lm", fmt.Sprintf("%s-seed%d-%s.weights", name, seed, key[:20]))
}

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
	logf := env.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
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
			logf("pretrain: loaded cached weights %s", path)
			return m, ctx, cached, nil
		case !errors.Is(err, fs.ErrNotExist):
			logf("pretrain: ignoring unreadable cache file (will pretrain again): %v", err)
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
		logf("pretrain: held-out streams (%d): loss %.4f, next-behavior accuracy %.4f over %d events", len(src.HeldOut), score.Loss, score.Acc, score.Events)
	}
	w, err := ModelWeights(pctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if path != "" {
		if err := writeWeights(path, key, *res, w); err != nil {
			logf("pretrain: could not cache the weights: %v", err)
		} else {
			logf("pretrain: cached weights in %s", path)
		}
	}
	if err := w.Install(ctx); err != nil {
		return nil, nil, nil, err
	}
	return m, ctx, res, nil
}
