package results

import (
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
)

// Env records the code and toolchain a result came from.
type Env struct {
	// GitCommit is `git rev-parse HEAD` of the working directory, or "unknown".
	GitCommit string `json:"git_commit"`
	// GitDirty says whether tracked files outside results/ had uncommitted changes.
	GitDirty  bool   `json:"git_dirty"`
	GoVersion string `json:"go_version"`
	// Modules maps module path to version for the build's dependencies (gomlx among them).
	Modules map[string]string `json:"modules,omitempty"`
}

// CurrentEnv describes the running binary and the git checkout of the working directory. When git
// or a repository is unavailable the commit is "unknown"; build information embedded by
// `go build` (vcs.revision) is used as a fallback.
func CurrentEnv() Env {
	e := Env{GitCommit: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		e.Modules = map[string]string{}
		for _, d := range info.Deps {
			v := d.Version
			if d.Replace != nil {
				v += " => " + d.Replace.Path + " " + d.Replace.Version
			}
			e.Modules[d.Path] = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				e.GitCommit = s.Value
			case "vcs.modified":
				e.GitDirty = s.Value == "true"
			}
		}
	}
	if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		e.GitCommit = strings.TrimSpace(string(out))
		// Modified tracked files mark the checkout dirty, except under results/ (the runs' own
		// output: a reference run writing its cells there must not mark a second run in the same
		// checkout as modified).
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ":(top,exclude)results").Output(); err == nil {
			e.GitDirty = len(strings.TrimSpace(string(st))) > 0
		}
	}
	return e
}

// Short returns the commit abbreviated to 12 characters, with "+dirty" when modified.
func (e Env) Short() string {
	c := e.GitCommit
	if len(c) > 12 {
		c = c[:12]
	}
	if e.GitDirty {
		c += "+dirty"
	}
	return c
}
