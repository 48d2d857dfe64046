// Package experiments implements the language-model methods of the comparison, all fine-tuning a
// backbone language model through the shared training loop internal/train:
//
//   - finetune: fine-tuning on all training samples, with a choice of loss (ce, class-balanced,
//     focal, logit-adjust) and optional class-balanced resampling. experiments.yaml names its
//     variants uniform, class-balanced, focal, resample and logit-adjust.
//   - zero-shot: the pretrained backbone scored at the answer position, not fine-tuned.
//   - behaviorlm: BehaviorLM's progressive fine-tuning. Stage 1 fine-tunes on anchor-target
//     samples only (low learning rate, few steps); the difficulty of a training sample is then the
//     model's cross-entropy on its gold label; stage 2 continues on a class-balanced subset of
//     per_class samples per class chosen by difficulty (hard, easy, random or mixed).
//
// Every method can use LoRA adapters instead of full fine-tuning (lora.rank > 0), and
// pretrained: false (on the method or the backbone) starts from a randomly initialised model.
//
// Choices this package makes (the harness's assumptions, each a parameter with the default in
// brackets):
//
//   - Fine-tuning validates on the first valid_samples [1000] valid samples (a fixed subset) every
//     eval_every [50] steps, stops after patience [2] evaluations without a lower validation
//     cross-entropy and restores the parameters of the lowest validation loss; every stage starts a
//     fresh AdamW state.
//   - Fine-tuning learning rates were tuned on the validation sets only (nyc and geolife, k=5,
//     seed 1): lr [1e-4] for finetune and for both BehaviorLM stages.
//   - Stage 1 trains on anchor-target samples [stage1.data: anchor] with cross-entropy; stage 2
//     continues from the stage-1 parameters with cross-entropy on the balanced subset.
//   - Difficulty is the cross-entropy of the gold label under the model entering stage 2. Only
//     classes with more than per_class [20] samples need scoring; of such a class at most
//     candidates [200] samples, drawn at random with the run's seed, are scored and selected from.
//   - With LoRA only the adapters train (the tied output layer and its bias stay frozen).
//
// Backbones sit behind the small Backbone interface: the method asks a backbone to load a model
// for a task and gets back a context with its weights, an input encoder and a train.ModelFn
// returning one score per behavior. Two backbone kinds implement it: behavior-lm (internal/lm, a
// small transformer pretrained by the harness itself) and hf (a local Hugging Face Llama/Qwen2
// checkpoint, internal/hf, whose behavior names may span several tokens). Another kind implements
// BackboneSpec and is registered in BackboneFactories, without touching the methods.
//
// Every fine-tuning stage runs through train.RunStage (fit.go), which records the stage's
// validation curve and the info keys train.Info* (prefixed "stage1_" / "stage2_" for BehaviorLM's
// stages).
package experiments
