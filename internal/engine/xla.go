//go:build cgo && !noxla

package engine

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// Importing backends/xla makes GoMLX's default constructors able to download a PJRT plugin from the
// internet; the harness never wants that, whatever $GOMLX_NO_AUTO_INSTALL says.
func init() { xla.EnableAutoInstall(false) }

// newXLA creates the XLA backend for opts ("", "cpu", "cuda", "tpu", or a plugin name or absolute
// path followed by ",option..."). It never downloads a plugin: auto-install is switched off and the
// plugin must already be installed.
func newXLA(opts string) (backends.Backend, error) {
	xla.EnableAutoInstall(false)
	plugin, _, _ := strings.Cut(opts, ",")
	if filepath.IsAbs(plugin) {
		return createXLA(opts)
	}
	available := pjrt.AvailablePlugins()
	if len(available) == 0 || (plugin != "" && available[plugin] == "") {
		want := plugin
		if want == "" {
			want = "any"
		}
		return nil, fmt.Errorf("engine: no PJRT plugin (%s) found for the xla backend (searched $PJRT_PLUGIN_LIBRARY_PATH, %s; found %v); install one with `go run github.com/gomlx/go-xla/cmd/pjrt_installer@v0.1.4 -autoinstall` or set PJRT_PLUGIN_LIBRARY_PATH, or use -backend go",
			want, strings.Join(pluginSearchDirs(), ", "), slices.Sorted(maps.Keys(available)))
	}
	return createXLA(opts)
}

func createXLA(opts string) (backends.Backend, error) {
	b, err := xla.New(opts)
	if err != nil {
		return nil, fmt.Errorf("engine: creating xla backend %q: %w", opts, err)
	}
	return &describedBackend{Backend: b, spec: "xla:" + opts}, nil
}
