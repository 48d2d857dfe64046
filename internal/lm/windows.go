package lm

import "github.com/behaviorlm/harness/datasets"

// Windows returns the pretraining windows of streams: for each stream of n >= 2 events, windows of
// up to HistoryLen+1 consecutive events ending at events HistoryLen, HistoryLen+stride, ... and
// at the stream's last event (a stream shorter than HistoryLen+1 gives one window, the whole
// stream). tokens holds the rendered prompts [N, Len] and targets the behaviors to predict
// [N, HistoryLen+1] (see Renderer.Window). stride < 1 means HistoryLen/2 (at least 1).
//
// kept, when not nil, parallels streams (see datasets.Task.StreamKept): the target of an event
// marked false is -1 (not predicted) while the event stays in the prompts.
func (r *Renderer) Windows(streams [][]datasets.Step, kept [][]bool, stride int) (tokens, targets []int32, n int) {
	if stride < 1 {
		stride = max(1, r.historyLen/2)
	}
	l, p := r.Len(), r.historyLen+1
	for si, s := range streams {
		if len(s) < 2 {
			continue
		}
		last := len(s) - 1
		for end := min(r.historyLen, last); ; end += stride {
			end = min(end, last)
			tok := make([]int32, l)
			tgt := make([]int32, p)
			lo := max(0, end-r.historyLen)
			r.Window(tok, tgt, s[lo:end+1])
			if kept != nil {
				// targets[historyLen-(end-lo)+j] is the target of event lo+j.
				pad := r.historyLen - (end - lo)
				for j := lo; j <= end; j++ {
					if !kept[si][j] {
						tgt[pad+j-lo] = -1
					}
				}
			}
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
