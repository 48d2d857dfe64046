// Package stats compares two methods evaluated on the same test samples.
//
// Definitions (every comparison in the harness's reports uses this code):
//   - Paired bootstrap over test samples: a resample draws n sample indices uniformly with
//     replacement from the n test samples; the same resample is applied to both methods (and, when
//     pooled, to every seed, since a data set's test samples do not depend on the seed or k). The
//     statistic of a resample is the difference (a - b) of a metric recomputed on it, averaged over
//     seeds when pooled. The 95% interval is the 2.5th and 97.5th percentile of B resample
//     statistics, each percentile interpolated linearly between order statistics (numpy's default,
//     Hyndman-Fan type 7). The estimate is the statistic on the original samples. Resamples are
//     drawn by a PCG generator (math/rand/v2) seeded with the given seed and Lemire's bounded
//     draw, so an interval is a deterministic function of the outcomes, B and the seed. The
//     bootstrap p-value of "the difference equals d0" is min(1, 2 min(1 + #{r <= d0},
//     1 + #{r >= d0}) / (B + 1)) over the resample statistics r.
//   - Paired t-test over seeds: d_s = a_s - b_s for each seed s present in both; t = mean(d) /
//     (sd(d)/sqrt(n)) with the n-1 standard deviation, df = n-1; p is two-sided; the interval is
//     mean(d) ± t_{0.975, df} sd(d)/sqrt(n). With sd(d) = 0, t is ±Inf (p = 0) when mean(d) != 0
//     and undefined (NaN, p = 1) when mean(d) = 0; the interval is then [mean, mean].
//   - Holm's step-down correction of m p-values: sorted ascending p_(1) <= ... <= p_(m), the
//     adjusted p_(i) = max over j <= i of min(1, (m-j+1) p_(j)); NaN p-values count as 1.
package stats

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
)

// Interval is an estimate with a two-sided confidence interval.
type Interval struct {
	Estimate, Lo, Hi float64
}

// Statistic computes a value from the samples selected by idx (indices may repeat; nil means
// every sample once, for the estimate).
type Statistic func(idx []int) float64

// Resampler draws bootstrap resamples of n indices, deterministically from its seed.
type Resampler struct {
	n   int
	rng *rand.Rand
}

// NewResampler returns a resampler of n indices seeded with seed.
func NewResampler(n int, seed uint64) *Resampler {
	return &Resampler{n: n, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

// Next fills idx (of length n) with n indices drawn uniformly with replacement from [0, n).
func (r *Resampler) Next(idx []int) {
	for i := range idx {
		idx[i] = bounded(r.rng.Uint64(), r.rng, uint64(r.n))
	}
}

// bounded maps a uniform 64-bit value to [0, n) without bias (Lemire's multiply-shift with
// rejection), drawing more values from rng when needed.
func bounded(x uint64, rng *rand.Rand, n uint64) int {
	hi, lo := bits.Mul64(x, n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(rng.Uint64(), n)
		}
	}
	return int(hi)
}

// BootstrapResult is a bootstrap interval with the sorted resample statistics behind it.
type BootstrapResult struct {
	Interval
	Replicates []float64
}

// P returns the two-sided bootstrap p-value of the hypothesis "the statistic equals null":
// min(1, 2 min(1 + #{r <= null}, 1 + #{r >= null}) / (B + 1)) over the B replicates r.
func (r BootstrapResult) P(null float64) float64 {
	var le, ge int
	for _, v := range r.Replicates {
		if v <= null {
			le++
		}
		if v >= null {
			ge++
		}
	}
	return math.Min(1, 2*float64(1+min(le, ge))/float64(len(r.Replicates)+1))
}

// Bootstrap returns the paired bootstrap interval of stat over n samples: the estimate on every
// sample and the level (e.g. 0.95) percentile interval of b resamples drawn with seed.
func Bootstrap(n, b int, seed uint64, level float64, stat Statistic) (BootstrapResult, error) {
	if n < 1 || b < 2 {
		return BootstrapResult{}, fmt.Errorf("bootstrap: need at least one sample and two resamples, got n=%d b=%d", n, b)
	}
	r := NewResampler(n, seed)
	idx := make([]int, n)
	vals := make([]float64, b)
	for i := range vals {
		r.Next(idx)
		vals[i] = stat(idx)
	}
	return percentileInterval(stat(nil), vals, level)
}

// BootstrapWith is Bootstrap with given resamples (for tests and other tools' resamples).
func BootstrapWith(resamples [][]int, level float64, stat Statistic) (BootstrapResult, error) {
	vals := make([]float64, len(resamples))
	for i, idx := range resamples {
		vals[i] = stat(idx)
	}
	return percentileInterval(stat(nil), vals, level)
}

func percentileInterval(est float64, vals []float64, level float64) (BootstrapResult, error) {
	if !(level > 0 && level < 1) {
		return BootstrapResult{}, fmt.Errorf("bootstrap: level %v outside (0,1)", level)
	}
	for _, v := range vals {
		if math.IsNaN(v) {
			return BootstrapResult{}, fmt.Errorf("bootstrap: a resample statistic is NaN")
		}
	}
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	a := (1 - level) / 2
	return BootstrapResult{Interval: Interval{Estimate: est, Lo: Percentile(s, 100*a), Hi: Percentile(s, 100*(1-a))}, Replicates: s}, nil
}

// Percentile returns the q-th percentile (0..100) of sorted values, interpolating linearly
// between order statistics (numpy.percentile's default).
func Percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q / 100 * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// TTest is the result of a paired t-test.
type TTest struct {
	N       int
	Mean    float64 // mean difference a - b
	T, P    float64
	DF      int
	CI      Interval // level interval of the mean difference (Estimate = Mean)
	Level   float64
	StdDiff float64
}

// PairedT runs the paired t-test of a against b (same length, paired by position) with a level
// (e.g. 0.95) interval of the mean difference.
func PairedT(a, b []float64, level float64) (TTest, error) {
	if len(a) != len(b) {
		return TTest{}, fmt.Errorf("paired t-test: %d and %d values", len(a), len(b))
	}
	n := len(a)
	if n < 2 {
		return TTest{}, fmt.Errorf("paired t-test: need at least two pairs, got %d", n)
	}
	if !(level > 0 && level < 1) {
		return TTest{}, fmt.Errorf("paired t-test: level %v outside (0,1)", level)
	}
	var mean float64
	for i := range a {
		mean += a[i] - b[i]
	}
	mean /= float64(n)
	var ss float64
	for i := range a {
		d := a[i] - b[i] - mean
		ss += d * d
	}
	sd := math.Sqrt(ss / float64(n-1))
	se := sd / math.Sqrt(float64(n))
	r := TTest{N: n, Mean: mean, DF: n - 1, Level: level, StdDiff: sd}
	switch {
	case se == 0 && mean == 0:
		r.T, r.P = math.NaN(), 1
	case se == 0:
		r.T, r.P = math.Copysign(math.Inf(1), mean), 0
	default:
		r.T = mean / se
		r.P = 2 * studentTail(math.Abs(r.T), float64(r.DF))
	}
	half := StudentQuantile(1-(1-level)/2, float64(r.DF)) * se
	r.CI = Interval{Estimate: mean, Lo: mean - half, Hi: mean + half}
	return r, nil
}

// studentTail returns P(T > t) for t >= 0 under Student's t with df degrees of freedom.
func studentTail(t, df float64) float64 {
	return 0.5 * regIncBeta(df/2, 0.5, df/(df+t*t))
}

// StudentCDF returns P(T <= t) under Student's t with df degrees of freedom.
func StudentCDF(t, df float64) float64 {
	if t >= 0 {
		return 1 - studentTail(t, df)
	}
	return studentTail(-t, df)
}

// StudentQuantile returns the t with StudentCDF(t, df) = p, for 0 < p < 1.
func StudentQuantile(p, df float64) float64 {
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -StudentQuantile(1-p, df)
	}
	lo, hi := 0.0, 1.0
	for StudentCDF(hi, df) < p {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if StudentCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo <= 1e-15*hi {
			break
		}
	}
	return (lo + hi) / 2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b) (continued fraction,
// Numerical Recipes' betacf, evaluated where it converges fast).
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	// step advances Lentz's recurrences by one term of coefficient aa and returns the factor d*c
	// by which h is multiplied.
	step := func(aa float64) float64 {
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		return d * c
	}
	for m := 1; m <= 1000; m++ {
		fm := float64(m)
		h *= step(fm * (b - fm) * x / ((qam + 2*fm) * (a + 2*fm)))
		del := step(-(a + fm) * (qab + fm) * x / ((a + 2*fm) * (qap + 2*fm)))
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}

// Holm returns Holm's step-down adjusted p-values, in the order of p.
func Holm(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	val := func(i int) float64 {
		if math.IsNaN(p[i]) {
			return 1
		}
		return p[i]
	}
	sort.SliceStable(order, func(i, j int) bool { return val(order[i]) < val(order[j]) })
	out := make([]float64, m)
	running := 0.0
	for rank, i := range order {
		adj := math.Min(1, float64(m-rank)*val(i))
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}
