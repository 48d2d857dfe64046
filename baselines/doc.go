// Package baselines implements the classic sequential models of the comparison: the count models
// pop (most popular) and markov (first-order transitions), and the neural models gru4rec (Hidasi
// et al. 2016), sasrec (Kang & McAuley 2018) and bert4rec (Sun et al. 2019), trained from scratch
// on exactly the samples of an experiment cell (task.Train, valid for early stopping) and scored on
// the full ranking of all behaviors (no sampled negatives).
//
// Input encoding shared by the neural models: a sample's history is left-padded to the task's
// history length T with item id 0 = padding; behavior b is item b+1; bert4rec appends a [mask]
// item (id C+1) after the history and predicts the target there. Optional time context (off by
// default) adds weekday and hour embeddings of every history event and of the event to predict.
//
// Every neural model trains with the shared loop internal/train, so the re-weighting options of
// the LM methods (loss kind ce | class-balanced | focal | logit-adjust, class-balanced resampling)
// apply to them too.
package baselines
