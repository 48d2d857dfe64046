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
// Backbones sit behind the small Backbone interface: the method asks a backbone to load a model
// for a task and gets back a context with its weights, an input encoder and a train.ModelFn
// returning one score per behavior. The default backbone kind is behavior-lm (internal/lm, a small
// transformer pretrained by the harness itself); a Hugging Face checkpoint backbone can be added by
// implementing BackboneSpec and registering its parameters in BackboneFactories, without touching
// the methods.
package experiments
