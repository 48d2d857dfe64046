package lm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
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
	// Word names (NewWordTokenizer only): the word vocabulary and each behavior's words.
	words     []string
	wordIDs   map[string]int32
	nameWords [][]int32
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

// NameWords splits a behavior name into the words it is rendered as with word names: runs of
// letters and digits ("Food & Drink Shop" -> Food, Drink, Shop; "Café/Bakery" -> Café,
// Bakery). A name without letters or digits is one word, the name itself.
func NameWords(name string) []string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return []string{name}
	}
	return words
}

// NewWordTokenizer returns the tokenizer of NewTokenizer extended with word names: besides one
// token per behavior (what prompts show), a vocabulary of the words of all behavior names
// (NameWords), so that a model can represent and score a behavior through the words of its
// name and share what it learns about a word among the behaviors whose names contain it.
// A behavior whose set of words equals an earlier behavior's gets the extra word "#<class id>",
// so no two behaviors score alike.
func NewWordTokenizer(behaviors []string) (*Tokenizer, error) {
	t, err := NewTokenizer(behaviors)
	if err != nil {
		return nil, err
	}
	t.wordIDs = map[string]int32{}
	seen := map[string]bool{} // sorted word sets so far
	addWord := func(w string) int32 {
		id, ok := t.wordIDs[w]
		if !ok {
			id = int32(len(t.words))
			t.wordIDs[w] = id
			t.words = append(t.words, w)
		}
		return id
	}
	t.nameWords = make([][]int32, len(behaviors))
	for c, name := range behaviors {
		set := map[int32]bool{}
		var ids []int32
		for _, w := range NameWords(name) {
			if id := addWord(w); !set[id] {
				set[id] = true
				ids = append(ids, id)
			}
		}
		sorted := append([]int32(nil), ids...)
		slices.Sort(sorted)
		key := fmt.Sprint(sorted)
		if seen[key] {
			ids = append(ids, addWord("#"+strconv.Itoa(c)))
		}
		seen[key] = true
		t.nameWords[c] = ids
	}
	return t, nil
}

// WordNames reports whether the tokenizer has word names (NewWordTokenizer).
func (t *Tokenizer) WordNames() bool { return t.wordIDs != nil }

// NumWords returns the size of the word vocabulary (0 without word names).
func (t *Tokenizer) NumWords() int { return len(t.words) }

// Word returns the text of word w (0 <= w < NumWords).
func (t *Tokenizer) Word(w int32) string { return t.words[w] }

// NameWordIDs returns the word ids (0..NumWords-1) of behavior class c's name, in name order
// without repeats; nil without word names.
func (t *Tokenizer) NameWordIDs(c int32) []int32 {
	if t.nameWords == nil {
		return nil
	}
	return t.nameWords[c]
}

// TimeAndTemplateTokens returns the number of tokens before the behavior tokens (template, weekday
// and hour tokens): the ids a model embeds directly in either mode.
func (t *Tokenizer) TimeAndTemplateTokens() int { return behaviorBase }
