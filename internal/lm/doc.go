// Package lm is the harness's own behavior language model (the "behavior-lm" backbone): a
// tokenizer with one token per behavior, a renderer that turns a sample's history into a prompt, a
// small decoder-only transformer in GoMLX, its next-behavior pretraining on the training-period
// event streams with an on-disk cache, and optional LoRA adapters.
//
// Prompts. A prompt shows the HistoryLen most recent events of a sample (default 10 of the
// task's 20: the cost of fine-tuning and scoring grows with the prompt length). Every event is
// rendered as three tokens, "weekday hour behavior" (four with the optional ";" separator), after
// a <bos> token; the prompt ends with the predicted event's "weekday hour" and the template word
// "next:". Prompts are right-aligned: shorter histories are left-padded with
// <pad>, so the answer position (the position whose output predicts the next behavior) is always
// the last one:
//
//	<pad> ... <bos> Mon 08h Coffee_Shop Mon 09h Office ... Tue 10h next:
//
// Prediction is a softmax over the behavior tokens only, at the answer position: the LM head is
// tied to the token embedding (the behavior rows) plus a per-behavior bias, so the model plugs into
// train.Fit as a train.ModelFn returning logits [batch, numBehaviors].
//
// Pretraining. Windows of up to HistoryLen+1 consecutive events of each user's training-period
// stream (task.Streams: never a valid or test event, and independent of the tail-shot k) are
// rendered exactly like prompts, the window's last event being the answer. The loss is the
// cross-entropy of every behavior token given the tokens before it: at the hour token of each
// history event and at the "next:" position, over the behavior vocabulary only. Weekday, hour and
// template tokens are inputs and are not predicted (they carry no information the model is asked to
// produce at fine-tuning time, and skipping them cuts the cost of the output layer threefold).
// By default every event is a target, so pretraining sees each tail behavior as often as it
// occurs, whatever k; with pretrain.respect_tail_shots the targets of training samples that the
// tail-shot restriction removed are not predicted (they remain context), so a tail behavior is a
// pretraining target at most k times, as in fine-tuning.
// Pretraining uses the harness's AdamW (train.AdamW, as fine-tuning does), linear warm-up, cosine
// decay and global-norm gradient clipping, in its own loop (a per-token loss over windows).
// The pretrained weights are cached under a key derived from the data set, the content of the
// streams and behavior names (and the removed targets, if masked), the model and pretraining
// configuration and the seed.
package lm
