package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// SyntheticConfig controls the synthetic generator. Every field is used as given (0 is a value,
// not "unset"): start from DefaultSyntheticConfig, as the config file's `synthetic:` block does.
type SyntheticConfig struct {
	Users         int     `yaml:"users"`           // [60]
	EventsPerUser int     `yaml:"events_per_user"` // [120]
	Behaviors     int     `yaml:"behaviors"`       // [40]
	Zipf          float64 `yaml:"zipf"`            // popularity exponent [1.2]
	Sequential    float64 `yaml:"sequential"`      // probability that the next behavior follows the previous one's fixed successor [0.6]
	HourStructure float64 `yaml:"hour_structure"`  // probability that a behavior is chosen by the hour of day [0.2]
	Seed          uint64  `yaml:"seed"`            // [1]
}

// DefaultSyntheticConfig returns the generator's defaults (the values in brackets above).
func DefaultSyntheticConfig() SyntheticConfig {
	return SyntheticConfig{Users: 60, EventsPerUser: 120, Behaviors: 40, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1}
}

// Bounds on the synthetic generator's sizes, so a typo (users: 1e8) is an error instead of an
// out-of-memory crash: at most MaxSyntheticEvents events in all (about 1 GB of memory) and
// MaxSyntheticBehaviors behaviors.
const (
	MaxSyntheticEvents    = 10_000_000
	MaxSyntheticBehaviors = 10_000
)

// Validate checks the generator's parameters: ranges and size bounds.
func (c SyntheticConfig) Validate() error {
	unit := func(x float64) bool { return x >= 0 && x <= 1 }
	switch {
	case c.Users < 1:
		return fmt.Errorf("users: %d, want at least 1", c.Users)
	case c.EventsPerUser < 2:
		return fmt.Errorf("events_per_user: %d, want at least 2", c.EventsPerUser)
	case c.Behaviors < 2 || c.Behaviors > MaxSyntheticBehaviors:
		return fmt.Errorf("behaviors: %d, want 2 to %d", c.Behaviors, MaxSyntheticBehaviors)
	case int64(c.Users)*int64(c.EventsPerUser) > MaxSyntheticEvents || c.EventsPerUser > MaxSyntheticEvents:
		return fmt.Errorf("users x events_per_user: %d x %d is more than %d events", c.Users, c.EventsPerUser, MaxSyntheticEvents)
	case !(c.Zipf >= 0) || math.IsInf(c.Zipf, 0):
		return fmt.Errorf("zipf: %v, want a finite number >= 0", c.Zipf)
	case !unit(c.Sequential):
		return fmt.Errorf("sequential: %v, want 0 to 1", c.Sequential)
	case !unit(c.HourStructure):
		return fmt.Errorf("hour_structure: %v, want 0 to 1", c.HourStructure)
	}
	return nil
}

// Synthetic generates a deterministic long-tailed behavior log: behavior popularity follows a Zipf
// law, each behavior has a fixed successor that follows it with probability Sequential (so history
// carries signal a sequential model can learn), and some behaviors are tied to the hour of day.
func Synthetic(cfg SyntheticConfig) (*Log, error) {
	c := cfg
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
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
