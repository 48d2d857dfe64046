package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// SyntheticConfig controls the synthetic generator. Zero fields take the defaults in brackets.
type SyntheticConfig struct {
	Users         int     `yaml:"users"`           // [60]
	EventsPerUser int     `yaml:"events_per_user"` // [120]
	Behaviors     int     `yaml:"behaviors"`       // [40]
	Zipf          float64 `yaml:"zipf"`            // popularity exponent [1.2]
	Sequential    float64 `yaml:"sequential"`      // probability that the next behavior follows the previous one's fixed successor [0.6]
	HourStructure float64 `yaml:"hour_structure"`  // probability that a behavior is chosen by the hour of day [0.2]
	Seed          uint64  `yaml:"seed"`            // [1]
}

func (c SyntheticConfig) withDefaults() SyntheticConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Users, 60)
	def(&c.EventsPerUser, 120)
	def(&c.Behaviors, 40)
	if c.Zipf == 0 {
		c.Zipf = 1.2
	}
	if c.Sequential == 0 {
		c.Sequential = 0.6
	}
	if c.HourStructure == 0 {
		c.HourStructure = 0.2
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// Synthetic generates a deterministic long-tailed behavior log: behavior popularity follows a Zipf
// law, each behavior has a fixed successor that follows it with probability Sequential (so history
// carries signal a sequential model can learn), and some behaviors are tied to the hour of day.
func Synthetic(cfg SyntheticConfig) (*Log, error) {
	c := cfg.withDefaults()
	if c.Users < 1 || c.EventsPerUser < 2 || c.Behaviors < 2 || c.Zipf < 0 || c.Sequential < 0 || c.Sequential > 1 || c.HourStructure < 0 || c.HourStructure > 1 {
		return nil, fmt.Errorf("synthetic: invalid config %+v", cfg)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x5e9))
	cdf := make([]float64, c.Behaviors)
	total := 0.0
	for i := range cdf {
		total += 1 / math.Pow(float64(i+1), c.Zipf)
		cdf[i] = total
	}
	popular := func() int {
		x := rng.Float64() * total
		for i, v := range cdf {
			if x <= v {
				return i
			}
		}
		return c.Behaviors - 1
	}
	successor := rng.Perm(c.Behaviors)
	byHour := make([]int, 24)
	for h := range byHour {
		byHour[h] = popular()
	}
	byUser := map[string][]Event{}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for u := 0; u < c.Users; u++ {
		id := fmt.Sprint(u + 1)
		tm := start.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
		prev := popular()
		for e := 0; e < c.EventsPerUser; e++ {
			tm = tm.Add(time.Duration(30+rng.IntN(300)) * time.Minute)
			b := popular()
			switch r := rng.Float64(); {
			case r < c.Sequential:
				b = successor[prev]
			case r < c.Sequential+c.HourStructure*(1-c.Sequential):
				b = byHour[tm.Hour()]
			}
			byUser[id] = append(byUser[id], Event{Time: tm, Weekday: tm.Weekday(), Hour: tm.Hour(), Behavior: fmt.Sprintf("b%03d", b)})
			prev = b
		}
	}
	return newLog("synthetic", "synthetic", byUser)
}
