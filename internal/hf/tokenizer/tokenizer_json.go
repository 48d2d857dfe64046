package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// tokenizerJSON is the part of a Hugging Face tokenizer.json that is read.
type tokenizerJSON struct {
	AddedTokens []struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Special    bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         struct {
		Type                    string            `json:"type"`
		Vocab                   map[string]int    `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		UnkToken                *string           `json:"unk_token"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		ByteFallback            bool              `json:"byte_fallback"`
		IgnoreMerges            bool              `json:"ignore_merges"`
		Dropout                 *float64          `json:"dropout"`
	} `json:"model"`
}

// Parse parses tokenizer.json content.
func Parse(data []byte) (*Tokenizer, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, err
	}
	m := tj.Model
	if m.Type != "BPE" {
		return nil, fmt.Errorf("model type %q is not supported (want BPE)", m.Type)
	}
	if len(m.Vocab) == 0 {
		return nil, fmt.Errorf("model.vocab is empty")
	}
	if (m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "") ||
		(m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "") || m.ByteFallback {
		return nil, fmt.Errorf("BPE with continuing_subword_prefix, end_of_word_suffix or byte_fallback is not byte-level BPE; not supported")
	}
	if m.Dropout != nil && *m.Dropout > 0 {
		return nil, fmt.Errorf("BPE dropout %g is not supported", *m.Dropout)
	}
	tk := &Tokenizer{
		vocab:       m.Vocab,
		ranks:       make(map[[2]string]int, len(m.Merges)),
		ignoreMerge: m.IgnoreMerges,
		unkID:       -1,
		addedByID:   make(map[int]string),
		cache:       make(map[string][]int),
	}
	tk.toRune, tk.toByte = byteLevelTables()
	for i, raw := range m.Merges {
		var pair [2]string
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			a, b, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(b, " ") {
				return nil, fmt.Errorf("merge %d %q is not two space-separated symbols", i, s)
			}
			pair = [2]string{a, b}
		} else {
			var arr []string
			if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 2 {
				return nil, fmt.Errorf("merge %d %s is neither \"a b\" nor [a, b]", i, raw)
			}
			pair = [2]string{arr[0], arr[1]}
		}
		if _, dup := tk.ranks[pair]; !dup {
			tk.ranks[pair] = i
		}
	}
	maxID := -1
	for tok, id := range m.Vocab {
		if id < 0 {
			return nil, fmt.Errorf("token %q has negative id %d", tok, id)
		}
		maxID = max(maxID, id)
	}
	for _, a := range tj.AddedTokens {
		if a.Content == "" || a.ID < 0 {
			return nil, fmt.Errorf("added token %d %q is invalid", a.ID, a.Content)
		}
		tk.added = append(tk.added, addedToken{ID: a.ID, Content: a.Content, SingleWord: a.SingleWord,
			LStrip: a.LStrip, RStrip: a.RStrip, Special: a.Special})
		tk.addedByID[a.ID] = a.Content
		maxID = max(maxID, a.ID)
	}
	sort.SliceStable(tk.added, func(i, j int) bool { return len(tk.added[i].Content) > len(tk.added[j].Content) })
	tk.addedByB0 = make(map[byte][]addedToken)
	for _, a := range tk.added {
		tk.addedByB0[a.Content[0]] = append(tk.addedByB0[a.Content[0]], a)
	}
	tk.vocabSize = maxID + 1
	tk.idToToken = make([]string, tk.vocabSize)
	for tok, id := range m.Vocab {
		tk.idToToken[id] = tok
	}
	for _, a := range tk.added {
		tk.idToToken[a.ID] = a.Content
	}
	if m.UnkToken != nil {
		id, ok := tk.lookup(*m.UnkToken)
		if !ok {
			return nil, fmt.Errorf("unk_token %q is not in the vocabulary", *m.UnkToken)
		}
		tk.unkID = id
	}
	nfc, err := parseNormalizer(tj.Normalizer)
	if err != nil {
		return nil, err
	}
	tk.nfc = nfc

	if tk.preTok, err = parsePreTokenizer(tj.PreTokenizer); err != nil {
		return nil, err
	}
	if tk.template, err = tk.parsePostProcessor(tj.PostProcessor); err != nil {
		return nil, err
	}
	if err := checkDecoder(tj.Decoder); err != nil {
		return nil, err
	}
	return tk, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

type typed struct {
	Type string `json:"type"`
}

// parseNormalizer reports whether the normalizer applies NFC (null, NFC, or a Sequence of them;
// anything else is an error).
func parseNormalizer(raw json.RawMessage) (nfc bool, err error) {
	if isNull(raw) {
		return false, nil
	}
	var n struct {
		Type        string            `json:"type"`
		Normalizers []json.RawMessage `json:"normalizers"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return false, fmt.Errorf("normalizer: %w", err)
	}
	switch n.Type {
	case "NFC":
		return true, nil
	case "Sequence":
		for _, sub := range n.Normalizers {
			subNFC, err := parseNormalizer(sub)
			if err != nil {
				return false, err
			}
			nfc = nfc || subNFC
		}
		return nfc, nil
	}
	return false, fmt.Errorf("normalizer %q is not supported (null, NFC or a Sequence of them)", n.Type)
}

func parsePreTokenizer(raw json.RawMessage) ([]preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var p struct {
		Type           string            `json:"type"`
		Pretokenizers  []json.RawMessage `json:"pretokenizers"`
		Pattern        map[string]string `json:"pattern"`
		Behavior       string            `json:"behavior"`
		Invert         bool              `json:"invert"`
		AddPrefixSpace bool              `json:"add_prefix_space"`
		UseRegex       *bool             `json:"use_regex"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch p.Type {
	case "Sequence":
		var all []preTokenizer
		for _, sub := range p.Pretokenizers {
			pts, err := parsePreTokenizer(sub)
			if err != nil {
				return nil, err
			}
			all = append(all, pts...)
		}
		return all, nil
	case "Split":
		if p.Behavior != "Isolated" || p.Invert {
			return nil, fmt.Errorf("pre_tokenizer Split with behavior %q, invert %v is not supported (Isolated, false)", p.Behavior, p.Invert)
		}
		pattern, isRegex := p.Pattern["Regex"]
		if !isRegex {
			s, ok := p.Pattern["String"]
			if !ok {
				return nil, fmt.Errorf("pre_tokenizer Split: pattern must be {\"Regex\": ...} or {\"String\": ...}")
			}
			pattern = regexpQuote(s)
		}
		rs, err := newRegexSplitter(pattern)
		if err != nil {
			return nil, err
		}
		return []preTokenizer{rs.split}, nil
	case "ByteLevel":
		var pts []preTokenizer
		if p.AddPrefixSpace {
			pts = append(pts, func(s string) []string {
				if s != "" && !strings.HasPrefix(s, " ") {
					s = " " + s
				}
				return []string{s}
			})
		}
		if p.UseRegex == nil || *p.UseRegex {
			rs, err := newRegexSplitter(GPT2Pattern)
			if err != nil {
				return nil, err
			}
			pts = append(pts, rs.split)
		}
		return pts, nil
	}
	return nil, fmt.Errorf("pre_tokenizer %q is not supported (Split, ByteLevel, Sequence)", p.Type)
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (tk *Tokenizer) parsePostProcessor(raw json.RawMessage) ([]templatePiece, error) {
	if isNull(raw) {
		return nil, nil
	}
	var p struct {
		Type       string            `json:"type"`
		Processors []json.RawMessage `json:"processors"`
		Single     []struct {
			SpecialToken *struct {
				ID string `json:"id"`
			} `json:"SpecialToken"`
			Sequence *struct {
				ID string `json:"id"`
			} `json:"Sequence"`
		} `json:"single"`
		SpecialTokens map[string]struct {
			IDs []int `json:"ids"`
		} `json:"special_tokens"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("post_processor: %w", err)
	}
	switch p.Type {
	case "ByteLevel":
		return nil, nil
	case "Sequence":
		var out []templatePiece
		for _, sub := range p.Processors {
			t, err := tk.parsePostProcessor(sub)
			if err != nil {
				return nil, err
			}
			if t != nil {
				if out != nil {
					return nil, fmt.Errorf("post_processor: more than one TemplateProcessing in a Sequence")
				}
				out = t
			}
		}
		return out, nil
	case "TemplateProcessing":
		out := []templatePiece{}
		for _, piece := range p.Single {
			switch {
			case piece.Sequence != nil:
				out = append(out, templatePiece{})
			case piece.SpecialToken != nil:
				st, ok := p.SpecialTokens[piece.SpecialToken.ID]
				if !ok || len(st.IDs) == 0 {
					return nil, fmt.Errorf("post_processor: template token %q has no ids in special_tokens", piece.SpecialToken.ID)
				}
				out = append(out, templatePiece{ids: st.IDs})
			default:
				return nil, fmt.Errorf("post_processor: template piece is neither Sequence nor SpecialToken")
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("post_processor %q is not supported (TemplateProcessing, ByteLevel, Sequence)", p.Type)
}

func checkDecoder(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var d typed
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("decoder: %w", err)
	}
	if d.Type != "ByteLevel" {
		return fmt.Errorf("decoder %q is not supported (ByteLevel)", d.Type)
	}
	return nil
}
