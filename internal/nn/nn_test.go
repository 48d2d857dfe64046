package nn

import "testing"

func TestIsLoRAVariable(t *testing.T) {
	for name, want := range map[string]bool{
		"/lm/block_0/attention/query/lora_a":  true,
		"/lm/block_0/attention/query/lora_b":  true,
		"lora_a":                              true,
		"/lm/block_0/attention/query/weights": false,
		"/lora_a/weights":                     false,
	} {
		if got := IsLoRAVariable(name); got != want {
			t.Errorf("IsLoRAVariable(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLoRAValidate(t *testing.T) {
	for _, c := range []struct {
		l  LoRA
		ok bool
	}{{LoRA{}, true}, {LoRA{Rank: 4, Alpha: 8}, true}, {LoRA{Rank: -1}, false}, {LoRA{Rank: 2}, false}} {
		if err := c.l.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: err %v, want ok=%v", c.l, err, c.ok)
		}
	}
}
