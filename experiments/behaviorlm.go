package experiments

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// behaviorLM is BehaviorLM's progressive fine-tuning (see the package documentation).
type behaviorLM struct {
	p        BehaviorLMParams
	backbone Backbone
}

// Run implements method.Method.
func (b *behaviorLM) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	p := b.p
	m, out, err := load(env, KindBehaviorLM, p.Backbone, b.backbone, task, LoadOptions{Pretrained: p.Pretrained, LoRA: p.LoRA})
	if err != nil {
		return nil, err
	}
	ce := defaultLoss()

	if !p.Stage1.Skip {
		data := task.Train
		if p.Stage1.Data == "anchor" {
			data = anchorSamples(task)
		}
		st, err := fitStage(env, "stage1", "stage1_", m, task, data, p.Stage1.TrainParams, ce, false, out.Info)
		if err != nil {
			return nil, fmt.Errorf("behaviorlm: %w", err)
		}
		out.Stages = append(out.Stages, st)
	}

	if !p.Stage2.Skip {
		subset, st, info, err := b.selectSubset(env, m, task)
		if err != nil {
			return nil, fmt.Errorf("behaviorlm: %w", err)
		}
		out.Stages = append(out.Stages, st)
		for k, v := range info {
			out.Info[k] = v
		}
		st, err = fitStage(env, "stage2", "stage2_", m, task, subset, p.Stage2.TrainParams, ce, false, out.Info)
		if err != nil {
			return nil, fmt.Errorf("behaviorlm: %w", err)
		}
		out.Stages = append(out.Stages, st)
	}

	if out, err = predict(env, m, task, out); err != nil {
		return nil, fmt.Errorf("behaviorlm: %w", err)
	}
	return out, nil
}

// anchorSamples returns the training samples whose target is an anchor behavior.
func anchorSamples(task *datasets.Task) []datasets.Sample {
	var out []datasets.Sample
	for _, s := range task.Train {
		if task.Anchor[s.Target] {
			out = append(out, s)
		}
	}
	return out
}

// selectSubset scores the difficulty of the stage-2 candidates with the current model (after
// stage 1, or the pretrained model when stage 1 is skipped) and returns the class-balanced subset.
// Candidates: every sample of a class with at most per_class samples (all are taken, unscored),
// and for larger classes up to `candidates` samples drawn at random with the run's seed.
func (b *behaviorLM) selectSubset(env method.Env, m *Loaded, task *datasets.Task) ([]datasets.Sample, method.Stage, map[string]float64, error) {
	p := b.p
	start := time.Now()
	labels := datasets.Targets(task.Train)
	byClass := datasets.IndicesByClass(labels, task.NumClasses())
	rng := rand.New(rand.NewPCG(env.Seed, 0xca4d))
	var pool, toScore []int
	for _, idx := range byClass {
		if len(idx) <= p.PerClass {
			pool = append(pool, idx...)
			continue
		}
		cand := idx
		if p.Candidates > 0 && len(idx) > p.Candidates {
			cand = sample(rng, idx, p.Candidates)
		}
		pool = append(pool, cand...)
		toScore = append(toScore, cand...)
	}
	sort.Ints(pool)
	sort.Ints(toScore)

	difficulty := make([]float64, len(task.Train))
	wasScored := make([]bool, len(task.Train))
	var scored int
	if p.Select != SelectRandom && len(toScore) > 0 {
		samples := make([]datasets.Sample, len(toScore))
		for i, k := range toScore {
			samples[i] = task.Train[k]
		}
		scores, _, err := score(env, "difficulty", m, samples)
		if err != nil {
			return nil, method.Stage{}, nil, err
		}
		for i, k := range toScore {
			difficulty[k], _ = train.CrossEntropy(scores[i], labels[k])
			wasScored[k] = true
		}
		scored = len(toScore)
	}
	poolLabels := make([]int32, len(pool))
	poolDifficulty := make([]float64, len(pool))
	for i, k := range pool {
		poolLabels[i], poolDifficulty[i] = labels[k], difficulty[k]
	}
	chosen, err := SelectBalanced(poolLabels, poolDifficulty, task.NumClasses(), p.PerClass, p.Select, env.Seed)
	if err != nil {
		return nil, method.Stage{}, nil, fmt.Errorf("stage 2 selection: %w", err)
	}
	subset := make([]datasets.Sample, len(chosen))
	classes := map[int32]bool{}
	var sumChosen float64
	var nChosen int
	for i, c := range chosen {
		subset[i] = task.Train[pool[c]]
		classes[subset[i].Target] = true
		if wasScored[pool[c]] {
			sumChosen += difficulty[pool[c]]
			nChosen++
		}
	}
	info := map[string]float64{
		"stage2_classes":    float64(len(classes)),
		"difficulty_scored": float64(scored),
		"stage2_candidates": float64(len(pool)),
	}
	if scored > 0 {
		var meanScored float64
		for _, k := range toScore {
			meanScored += difficulty[k]
		}
		info["difficulty_mean_scored"] = meanScored / float64(scored)
		info["difficulty_mean_selected"] = sumChosen / float64(max(1, nChosen))
	}
	env.Log("stage2: %d samples of %d classes selected (%s, per_class %d) from %d candidates, %d scored", len(subset), len(classes), p.Select, p.PerClass, len(pool), scored)
	return subset, method.Stage{Name: "difficulty", Seconds: time.Since(start).Seconds(), Steps: scored}, info, nil
}
