package lm

import (
	"fmt"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/train"
)

// Renderer turns histories into fixed-length, right-aligned prompts (see the package
// documentation for the layout).
type Renderer struct {
	tok        *Tokenizer
	historyLen int
	separator  bool
}

// NewRenderer returns a renderer showing at most historyLen events per prompt, with or without the
// ";" separator after each event.
func NewRenderer(tok *Tokenizer, historyLen int, separator bool) (*Renderer, error) {
	if tok == nil {
		return nil, fmt.Errorf("lm: renderer needs a tokenizer")
	}
	if historyLen < 1 {
		return nil, fmt.Errorf("lm: history length must be at least 1, got %d", historyLen)
	}
	return &Renderer{tok: tok, historyLen: historyLen, separator: separator}, nil
}

// Tokenizer returns the renderer's tokenizer.
func (r *Renderer) Tokenizer() *Tokenizer { return r.tok }

// HistoryLen returns the maximum number of history events a prompt shows.
func (r *Renderer) HistoryLen() int { return r.historyLen }

// perEvent returns the number of tokens of one history event.
func (r *Renderer) perEvent() int {
	if r.separator {
		return 4
	}
	return 3
}

// Len returns the prompt length: <bos>, HistoryLen events, the next event's weekday and hour, "next:".
func (r *Renderer) Len() int { return 1 + r.historyLen*r.perEvent() + 3 }

// AnswerPos returns the position whose output predicts the next behavior (the last one).
func (r *Renderer) AnswerPos() int { return r.Len() - 1 }

// BehaviorPositions returns the HistoryLen+1 positions whose next token is a behavior, in order:
// the hour token of each history slot (oldest slot first; slots of short histories are padding)
// and the answer position. Pretraining computes its loss there.
func (r *Renderer) BehaviorPositions() []int {
	pos := make([]int, 0, r.historyLen+1)
	for i := 0; i < r.historyLen; i++ {
		pos = append(pos, 1+i*r.perEvent()+1)
	}
	return append(pos, r.AnswerPos())
}

// Prompt renders the last HistoryLen events of history and the time of the next event into dst (of
// length Len), left-padded.
func (r *Renderer) Prompt(dst []int32, history []datasets.Step, next datasets.Step) {
	if len(history) > r.historyLen {
		history = history[len(history)-r.historyLen:]
	}
	per := r.perEvent()
	start := 1 + (r.historyLen-len(history))*per // first position of the first shown event
	for i := 0; i < start-1; i++ {
		dst[i] = PadID
	}
	dst[start-1] = BosID
	p := start
	for _, st := range history {
		dst[p], dst[p+1], dst[p+2] = r.tok.WeekdayID(st.Weekday), r.tok.HourID(st.Hour), r.tok.BehaviorID(st.Behavior)
		if r.separator {
			dst[p+3] = SepID
		}
		p += per
	}
	dst[p], dst[p+1], dst[p+2] = r.tok.WeekdayID(next.Weekday), r.tok.HourID(next.Hour), NextID
}

// Window renders a pretraining window of 1..HistoryLen+1 consecutive events: the prompt of its
// last event (tokens, length Len) and the behavior class to predict at each of the
// BehaviorPositions (targets, length HistoryLen+1; -1 at padding slots).
// Longer windows keep their last HistoryLen+1 events.
func (r *Renderer) Window(tokens, targets []int32, events []datasets.Step) {
	if len(events) > r.historyLen+1 {
		events = events[len(events)-r.historyLen-1:]
	}
	n := len(events)
	r.Prompt(tokens, events[:n-1], events[n-1])
	pad := r.historyLen - (n - 1)
	for i := range r.historyLen {
		if i < pad {
			targets[i] = -1
		} else {
			targets[i] = events[i-pad].Behavior
		}
	}
	targets[r.historyLen] = events[n-1].Behavior
}

// Inputs renders samples as model inputs: one array of prompts [N, Len].
func (r *Renderer) Inputs(samples []datasets.Sample) train.Inputs {
	l := r.Len()
	data := make([]int32, len(samples)*l)
	for i, s := range samples {
		r.Prompt(data[i*l:(i+1)*l], s.History, s.Next)
	}
	return train.Inputs{N: len(samples), Arrays: []train.Array{{Shape: []int{l}, Data: data}}}
}

// Text renders a sample's prompt as text, without the padding (for logs and tests).
func (r *Renderer) Text(s datasets.Sample) string {
	ids := make([]int32, r.Len())
	r.Prompt(ids, s.History, s.Next)
	i := 0
	for i < len(ids) && ids[i] == PadID {
		i++
	}
	return r.tok.Decode(ids[i:])
}
