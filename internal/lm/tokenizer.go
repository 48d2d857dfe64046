package lm

import (
	"fmt"
	"strconv"
	"strings"
)

// Ids of the template tokens; the time and behavior tokens follow them.
const (
	PadID  = 0 // <pad>: left padding of prompts
	BosID  = 1 // <bos>: start of a prompt
	NextID = 2 // "next:": the answer position
	SepID  = 3 // ";": optional event separator

	weekdayBase  = 4               // 7 weekday tokens, time.Weekday order (Sun = 0)
	hourBase     = weekdayBase + 7 // 24 hour tokens 00h..23h
	behaviorBase = hourBase + 24   // one token per behavior, in class order
)

var templateTokens = []string{"<pad>", "<bos>", "next:", ";"}

var weekdayNames = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// Tokenizer maps the words of rendered prompts to token ids: template words (<pad>, <bos>, "next:",
// ";"), weekday tokens (Sun..Sat), hour tokens (00h..23h) and exactly one token per behavior.
//
// A behavior's token text is its name with runs of white space replaced by "_"; when that text is
// empty or already taken (by a template or time token, or by an earlier behavior), "#<class id>" is
// appended, so every token text is unique and Encode(Decode(ids)) == ids.
type Tokenizer struct {
	tokens []string
	ids    map[string]int
	n      int // number of behaviors
}

// NewTokenizer returns the tokenizer of a task's behaviors (class id c -> token BehaviorID(c)).
func NewTokenizer(behaviors []string) (*Tokenizer, error) {
	if len(behaviors) == 0 {
		return nil, fmt.Errorf("lm: tokenizer needs at least one behavior")
	}
	t := &Tokenizer{ids: map[string]int{}, n: len(behaviors)}
	add := func(s string) {
		t.ids[s] = len(t.tokens)
		t.tokens = append(t.tokens, s)
	}
	for _, s := range templateTokens {
		add(s)
	}
	for _, s := range weekdayNames {
		add(s)
	}
	for h := 0; h < 24; h++ {
		add(fmt.Sprintf("%02dh", h))
	}
	for c, name := range behaviors {
		text := strings.Join(strings.Fields(name), "_")
		if _, taken := t.ids[text]; taken || text == "" {
			text += "#" + strconv.Itoa(c)
		}
		if _, taken := t.ids[text]; taken {
			return nil, fmt.Errorf("lm: behavior %d (%q): token text %q is not unique", c, name, text)
		}
		add(text)
	}
	return t, nil
}

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// NumBehaviors returns the number of behavior tokens.
func (t *Tokenizer) NumBehaviors() int { return t.n }

// BehaviorID returns the token of behavior class c.
func (t *Tokenizer) BehaviorID(c int32) int32 { return int32(behaviorBase) + c }

// BehaviorOf returns the class of a behavior token, and false for other tokens.
func (t *Tokenizer) BehaviorOf(id int32) (int32, bool) {
	c := id - behaviorBase
	if c < 0 || int(c) >= t.n {
		return 0, false
	}
	return c, true
}

// FirstBehaviorID returns the token of class 0; behavior tokens are contiguous after it.
func (t *Tokenizer) FirstBehaviorID() int { return behaviorBase }

// WeekdayID returns the token of a weekday (0 = Sunday, as time.Weekday).
func (t *Tokenizer) WeekdayID(wd uint8) int32 { return int32(weekdayBase) + int32(wd%7) }

// HourID returns the token of an hour of day (0..23).
func (t *Tokenizer) HourID(h uint8) int32 { return int32(hourBase) + int32(h%24) }

// Token returns the text of a token id ("<unk:id>" outside the vocabulary).
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return fmt.Sprintf("<unk:%d>", id)
	}
	return t.tokens[id]
}

// ID returns the id of a token text.
func (t *Tokenizer) ID(text string) (int32, bool) {
	id, ok := t.ids[text]
	return int32(id), ok
}

// Decode renders token ids as space-separated token texts.
func (t *Tokenizer) Decode(ids []int32) string {
	words := make([]string, len(ids))
	for i, id := range ids {
		words[i] = t.Token(id)
	}
	return strings.Join(words, " ")
}

// Encode splits text on white space and maps every word to its token; an unknown word is an error.
func (t *Tokenizer) Encode(text string) ([]int32, error) {
	words := strings.Fields(text)
	ids := make([]int32, len(words))
	for i, w := range words {
		id, ok := t.ids[w]
		if !ok {
			return nil, fmt.Errorf("lm: unknown token %q (word %d)", w, i)
		}
		ids[i] = int32(id)
	}
	return ids, nil
}
