// Command bench times the harness's models on the pure-Go backend at their default sizes (read
// from the packages' defaults): a training step of GRU4Rec, SASRec, BERT4Rec and the behavior LM
// (fine-tuning), LM pretraining (tokens/s), evaluation throughput (inference, batches of 256) and
// an evaluation forward of the hf backbone at a 0.5B-class width (hf-forward). bench/compare.sh runs it next
// to the PyTorch mirrors in bench/torch_models.py and prints a comparison table.
//
//	go run ./bench                      # all benchmarks, one child process each, as a table
//	go run ./bench -bench sasrec-train  # one benchmark, one JSON line
//	go run ./bench -bench lm-train -cpuprofile lm.prof
//
// Per-step times exclude graph compilation: each training benchmark runs the model's normal
// training entry point (the baselines' Method.Run, train.Fit, lm.Pretrain) twice, for a few steps
// and for more, and divides the difference in time by the difference in steps. Peak memory is
// the process's maximum resident set size.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/behaviorlm/harness/internal/engine"
)

// benches lists the benchmark names, in table order.
var benches = []string{
	"gru4rec-train", "sasrec-train", "bert4rec-train", "lm-train", "lm-pretrain",
	"gru4rec-eval", "sasrec-eval", "bert4rec-eval", "lm-eval", "hf-forward",
}

// Result is one benchmark's outcome (one JSON line).
type Result struct {
	Bench     string  `json:"bench"`
	Unit      string  `json:"unit"`
	Value     float64 `json:"value"`
	MsPerStep float64 `json:"ms_per_step"`
	// CPUMsPerStep is the process's CPU time (user + system, all threads) per step: unlike the
	// wall time it hardly changes when other processes load the machine.
	CPUMsPerStep float64 `json:"cpu_ms_per_step"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	Threads      int     `json:"threads"`
	Backend      string  `json:"backend"`
}

// options are the command-line settings shared by the benchmarks.
type options struct {
	classes, steps int
	backend        string
}

func main() {
	bench := flag.String("bench", "", "benchmark to run (default: all, each in a child process): "+strings.Join(benches, ", "))
	var o options
	flag.IntVar(&o.classes, "classes", 292, "number of behaviors (292 = nyc, 1182 = geolife)")
	flag.IntVar(&o.steps, "steps", 30, "timed steps (batches)")
	flag.StringVar(&o.backend, "backend", "go", "GoMLX backend spec (see internal/engine)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed part to this file (with -bench)")
	flag.Parse()
	if *bench == "" {
		if err := runAll(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	res, err := runOne(*bench, o, *cpuprofile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", *bench, err)
		os.Exit(1)
	}
	line, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Println(string(line))
}

// runOne runs one benchmark in this process.
func runOne(name string, o options, cpuprofile string) (*Result, error) {
	if o.steps < 1 {
		return nil, fmt.Errorf("-steps must be at least 1")
	}
	backend, err := engine.New(o.backend)
	if err != nil {
		return nil, err
	}
	defer backend.Finalize()
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	var m measure
	switch model, kind, _ := strings.Cut(name, "-"); {
	case kind == "train" && model == "lm":
		m, err = lmTrain(backend, o)
	case kind == "pretrain" && model == "lm":
		m, err = lmPretrain(backend, o)
	case kind == "eval" && model == "lm":
		m, err = lmEval(backend, o)
	case kind == "forward" && model == "hf":
		m, err = hfForward(backend, o)
	case kind == "train":
		m, err = baselineTrain(backend, model, o)
	case kind == "eval":
		m, err = baselineEval(backend, model, o)
	default:
		err = fmt.Errorf("unknown benchmark (want one of %s)", strings.Join(benches, ", "))
	}
	if err != nil {
		return nil, err
	}
	return &Result{
		Bench: name, Unit: m.unit, Value: round1(m.perStep / m.step.Seconds()),
		MsPerStep: round1(float64(m.step.Microseconds()) / 1000), CPUMsPerStep: round1(float64(m.cpu.Microseconds()) / 1000),
		PeakRSSMB: round1(peakRSSMB()),
		Threads:   runtime.GOMAXPROCS(0), Backend: engine.Describe(backend),
	}, nil
}

// measure is a benchmark's timing: one step takes step (wall) and cpu (process CPU time) and
// processes perStep units.
type measure struct {
	unit      string
	perStep   float64
	step, cpu time.Duration
}

// span is the wall and process CPU time of a piece of work.
type span struct{ wall, cpu time.Duration }

// timed runs f and returns its wall and process CPU time.
func timed(f func() error) (span, error) {
	wall, cpu := time.Now(), cpuTime()
	err := f()
	return span{time.Since(wall), cpuTime() - cpu}, err
}

// perStep returns the measure of one step from a run of n more steps (long) than another (short).
func perStep(unit string, units float64, short, long span, n int) measure {
	return measure{unit: unit, perStep: units, step: (long.wall - short.wall) / time.Duration(n), cpu: (long.cpu - short.cpu) / time.Duration(n)}
}

// runAll runs every benchmark in a child process (so that each reports its own peak memory) and
// prints a table.
func runAll() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%-16s %19s %9s %9s %9s\n", "benchmark", "throughput", "ms/step", "CPU ms", "peak MB")
	for _, b := range benches {
		cmd := exec.Command(self, append([]string{"-bench", b}, os.Args[1:]...)...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
		var r Result
		if err := json.Unmarshal(out[strings.LastIndexByte(strings.TrimSpace(string(out)), '\n')+1:], &r); err != nil {
			return fmt.Errorf("%s: reading %q: %w", b, out, err)
		}
		fmt.Printf("%-16s %9.0f %-9s %9.1f %9.1f %9.0f\n", r.Bench, r.Value, r.Unit, r.MsPerStep, r.CPUMsPerStep, r.PeakRSSMB)
	}
	return nil
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
