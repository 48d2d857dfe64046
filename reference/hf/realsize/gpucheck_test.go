package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The CPU-side parts of scripts/gpu-check.sh (no GPU here): its functions, sourced, and the whole
// script in its CPU dry run.

const script = "../../../scripts/gpu-check.sh"

// shell runs a bash snippet after sourcing the script's functions; it returns the output.
func shell(t *testing.T, env []string, snippet string) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	cmd := exec.Command("bash", "-c", "GPU_CHECK_LIB=1 source "+script+"; set +e; "+snippet)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", snippet, err, out)
	}
	return string(out)
}

func TestGPUCheckVersion(t *testing.T) {
	out := shell(t, nil, `for v in "0 83" "0 90" "0 80" "1 83"; do check_version $v >/dev/null; echo "$v:$?"; done`)
	if want := "0 83:0\n0 90:0\n0 80:2\n1 83:1\n"; out != want {
		t.Errorf("check_version statuses:\n%s\nwant\n%s", out, want)
	}
}

func TestGPUCheckFindPlugin(t *testing.T) {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PJRT_PLUGIN_LIBRARY_PATH=", "GPU_CHECK_PLUGIN=", "PATH=/usr/bin:/bin"}
	// go-xla's installer location.
	goxla := filepath.Join(home, ".local", "lib", "go-xla", "nvidia")
	if err := os.MkdirAll(goxla, 0o755); err != nil {
		t.Fatal(err)
	}
	if out := shell(t, env, `find_plugin || echo none`); !strings.Contains(out, "none") && strings.Contains(out, home) {
		t.Fatalf("found a plugin in an empty home: %s", out)
	}
	so := filepath.Join(goxla, "pjrt_c_api_cuda_plugin.so")
	if err := os.WriteFile(so, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := shell(t, env, `find_plugin`); strings.TrimSpace(out) != so {
		t.Errorf("find_plugin = %q, want %s", out, so)
	}
	// $PJRT_PLUGIN_LIBRARY_PATH comes first; GPU_CHECK_PLUGIN overrides everything.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "pjrt_c_api_cuda_plugin.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := shell(t, append(env, "PJRT_PLUGIN_LIBRARY_PATH=/nonexistent:"+other), `find_plugin`); strings.TrimSpace(out) != filepath.Join(other, "pjrt_c_api_cuda_plugin.so") {
		t.Errorf("find_plugin with PJRT_PLUGIN_LIBRARY_PATH = %q", out)
	}
	if out := shell(t, append(env, "GPU_CHECK_PLUGIN="+so), `find_plugin`); strings.TrimSpace(out) != so {
		t.Errorf("find_plugin with GPU_CHECK_PLUGIN = %q", out)
	}
}

// TestGPUCheckPluginVersion builds a fake plugin whose GetPjrtApi reports PJRT C API 0.87 and
// reads its version as the script does (needs a C compiler and python3).
func TestGPUCheckPluginVersion(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fake.c")
	// The head of pjrt_c_api.h's PJRT_Api: struct_size, extension_start, then PJRT_Api_Version.
	code := `#include <stddef.h>
typedef struct { size_t struct_size; void* ext; int major_version; int minor_version; } V;
typedef struct { size_t struct_size; void* ext; V pjrt_api_version; } Api;
static Api api = {sizeof(Api), 0, {sizeof(V), 0, 0, 87}};
const Api* GetPjrtApi(void) { return &api; }
`
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "pjrt_c_api_cuda_plugin.so")
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", so, src).CombinedOutput(); err != nil {
		t.Skipf("cc: %v\n%s", err, out)
	}
	if out := shell(t, nil, `plugin_version `+so); strings.TrimSpace(out) != "0 87" {
		t.Errorf("plugin_version = %q, want \"0 87\"", out)
	}
}

// TestGPUCheckDryRun runs the whole script on the CPU (GPU_CHECK_CPU=1): it builds the three
// binaries, runs the speed measurement and the runner on the tiny test checkpoint, and repeats
// the uniform cell from its saved adapter.
func TestGPUCheckDryRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, tool := range []string{"bash", "timeout", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	bin := t.TempDir()
	for name, pkg := range map[string]string{"runner": "../../../runner", "realsize": ".", "randckpt": "../randckpt"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "GPU_CHECK_CPU=1", "GPU_CHECK_BIN="+bin, "GPU_CHECK_WORK="+t.TempDir(), "GPU_CHECK_BUDGET=900")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gpu-check.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"score 2", "LoRA 1 step(s)", "2 cells run (0 failed)",
		"finetune: loaded the trained state", "adapter_model.safetensors", "gpu-check: done"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
