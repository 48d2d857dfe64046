//go:build !cgo || noxla

package engine

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/backends"
)

// newXLA reports that this binary was built without the XLA backend.
func newXLA(opts string) (backends.Backend, error) {
	return nil, fmt.Errorf("engine: backend \"xla:%s\" is not available in this binary (built with CGO_ENABLED=0 or -tags noxla); rebuild with cgo and install a PJRT plugin (searched for in %s), or use -backend go",
		opts, strings.Join(pluginSearchDirs(), ", "))
}
