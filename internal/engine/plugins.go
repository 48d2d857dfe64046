package engine

import (
	"os"
	"path/filepath"
	"strings"
)

// pluginSearchDirs lists where go-xla looks for PJRT plugins: $PJRT_PLUGIN_LIBRARY_PATH (a
// colon-separated list) when set, otherwise ~/.local/lib/go-xla and /usr/local/lib/go-xla.
func pluginSearchDirs() []string {
	if env := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"); env != "" {
		return strings.Split(env, string(os.PathListSeparator))
	}
	var dirs []string
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "lib", "go-xla"))
	}
	return append(dirs, "/usr/local/lib/go-xla")
}
