package lm

import "github.com/behaviorlm/harness/datasets"

// Windows returns the pretraining windows of streams: for each stream of n >= 2 events, windows of
// up to HistoryLen+1 consecutive events ending at events HistoryLen, HistoryLen+stride, ... and
// at the stream's last event (a stream shorter than HistoryLen+1 gives one window, the whole
// stream). tokens holds the rendered prompts [N, Len] and targets the behaviors to predict
// [N, HistoryLen+1] (see Renderer.Window). stride < 1 means HistoryLen/2 (at least 1).
func (r *Renderer) Windows(streams [][]datasets.Step, stride int) (tokens, targets []int32, n int) {
	if stride < 1 {
		stride = max(1, r.historyLen/2)
	}
	l, p := r.Len(), r.historyLen+1
	for _, s := range streams {
		if len(s) < 2 {
			continue
		}
		last := len(s) - 1
		for end := min(r.historyLen, last); ; end += stride {
			end = min(end, last)
			tok := make([]int32, l)
			tgt := make([]int32, p)
			r.Window(tok, tgt, s[max(0, end-r.historyLen):end+1])
			tokens = append(tokens, tok...)
			targets = append(targets, tgt...)
			n++
			if end == last {
				break
			}
		}
	}
	return tokens, targets, n
}
