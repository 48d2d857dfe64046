package baselines

import (
	"math/rand/v2"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/train"
)

// encoding turns samples into the neural models' host inputs. Arrays, in order:
//
//	items   [L] int32: the last T history behaviors + 1, left-padded with 0; with appendMask
//	        L = T+1 and the final item is maskID (the position bert4rec predicts at), else L = T.
//	weekday [T+1] int32 (only with timeContext): weekday+1 of each history event, left-padded with
//	        0, and at index T the predicted event's weekday+1.
//	hour    [T+1] int32 (only with timeContext): the same for the hour of day (hour+1).
//	pos     [1] int32 (only with appendMask): the position whose output is scored (T for the
//	        samples themselves; a masked history position for cloze samples).
type encoding struct {
	historyLen  int
	appendMask  bool
	maskID      int32
	timeContext bool
}

// Indices of the arrays in the inputs (see encoding).
func (e encoding) weekdayIndex() int { return 1 }
func (e encoding) hourIndex() int    { return 2 }
func (e encoding) posIndex() int {
	if e.timeContext {
		return 3
	}
	return 1
}

// itemLen returns L, the length of the items array.
func (e encoding) itemLen() int {
	if e.appendMask {
		return e.historyLen + 1
	}
	return e.historyLen
}

// encode returns the inputs and labels of samples.
func (e encoding) encode(samples []datasets.Sample) (train.Inputs, []int32) {
	t, l := e.historyLen, e.itemLen()
	items := make([]int32, len(samples)*l)
	var wd, hr, pos []int32
	if e.timeContext {
		wd = make([]int32, len(samples)*(t+1))
		hr = make([]int32, len(samples)*(t+1))
	}
	if e.appendMask {
		pos = make([]int32, len(samples))
	}
	labels := make([]int32, len(samples))
	for i, s := range samples {
		h := s.History
		if len(h) > t {
			h = h[len(h)-t:]
		}
		off := t - len(h) // left padding
		row := items[i*l : (i+1)*l]
		for j, st := range h {
			row[off+j] = st.Behavior + 1
		}
		if e.appendMask {
			row[t] = e.maskID
			pos[i] = int32(t)
		}
		if e.timeContext {
			w, r := wd[i*(t+1):(i+1)*(t+1)], hr[i*(t+1):(i+1)*(t+1)]
			for j, st := range h {
				w[off+j], r[off+j] = int32(st.Weekday)+1, int32(st.Hour)+1
			}
			w[t], r[t] = int32(s.Next.Weekday)+1, int32(s.Next.Hour)+1
		}
		labels[i] = s.Target
	}
	in := train.Inputs{N: len(samples), Arrays: []train.Array{{Shape: []int{l}, Data: items}}}
	if e.timeContext {
		in.Arrays = append(in.Arrays, train.Array{Shape: []int{t + 1}, Data: wd}, train.Array{Shape: []int{t + 1}, Data: hr})
	}
	if e.appendMask {
		in.Arrays = append(in.Arrays, train.Array{Shape: []int{1}, Data: pos})
	}
	return in, labels
}

// clozeMask returns a copy of a left-padded item row whose history items (positions before
// histEnd, the final [mask] excluded) are each replaced by maskID with probability p, and the
// masked positions. Padding (id 0) is never masked. When p > 0 and the row has history items, at
// least one is masked (a uniformly chosen one if the coin flips masked none).
func clozeMask(row []int32, histEnd int, maskID int32, p float64, rng *rand.Rand) ([]int32, []int) {
	out := append([]int32(nil), row...)
	var present, masked []int
	for i := 0; i < histEnd; i++ {
		if row[i] == 0 {
			continue
		}
		present = append(present, i)
		if rng.Float64() < p {
			masked = append(masked, i)
		}
	}
	if len(masked) == 0 && len(present) > 0 && p > 0 {
		masked = append(masked, present[rng.IntN(len(present))])
	}
	for _, i := range masked {
		out[i] = maskID
	}
	return out, masked
}

// appendCloze appends, for each of the first n examples of in (encoded with appendMask), copies
// cloze samples: the items row masked by clozeMask, pos = one masked position chosen uniformly,
// label = the behavior that was there. Rows without history items yield no cloze samples.
func (e encoding) appendCloze(in train.Inputs, labels []int32, copies int, p float64, rng *rand.Rand) (train.Inputs, []int32) {
	l, t := e.itemLen(), e.historyLen
	n := in.N
	out := train.Inputs{N: n, Arrays: make([]train.Array, len(in.Arrays))}
	for k, a := range in.Arrays {
		out.Arrays[k] = train.Array{Shape: a.Shape, Data: append([]int32(nil), a.Data...)}
	}
	outLabels := append([]int32(nil), labels...)
	items, posIdx := &out.Arrays[0], e.posIndex()
	for c := 0; c < copies; c++ {
		for i := 0; i < n; i++ {
			row, masked := clozeMask(in.Arrays[0].Data[i*l:(i+1)*l], t, e.maskID, p, rng)
			if len(masked) == 0 {
				continue
			}
			at := masked[rng.IntN(len(masked))]
			items.Data = append(items.Data, row...)
			for k := 1; k < len(in.Arrays); k++ {
				a := in.Arrays[k]
				w := a.Shape[0]
				if k == posIdx {
					out.Arrays[k].Data = append(out.Arrays[k].Data, int32(at))
					continue
				}
				out.Arrays[k].Data = append(out.Arrays[k].Data, a.Data[i*w:(i+1)*w]...)
			}
			outLabels = append(outLabels, in.Arrays[0].Data[i*l+at]-1)
			out.N++
		}
	}
	return out, outLabels
}
