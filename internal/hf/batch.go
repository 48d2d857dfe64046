package hf

// LeftPad packs token sequences into a left-padded batch: tokens and mask are [B][T] with T the
// longest length; mask is 1 on real tokens and 0 on padding, which is filled with padID. Left
// padding keeps every sequence's last token at position T-1, where the next token is predicted.
func LeftPad(seqs [][]int, padID int) (tokens, mask [][]int32) {
	t := 0
	for _, s := range seqs {
		t = max(t, len(s))
	}
	tokens = make([][]int32, len(seqs))
	mask = make([][]int32, len(seqs))
	for i, s := range seqs {
		tokens[i] = make([]int32, t)
		mask[i] = make([]int32, t)
		pad := t - len(s)
		for j := 0; j < pad; j++ {
			tokens[i][j] = int32(padID)
		}
		for j, id := range s {
			tokens[i][pad+j] = int32(id)
			mask[i][pad+j] = 1
		}
	}
	return tokens, mask
}
