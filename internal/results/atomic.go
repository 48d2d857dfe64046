package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFileAtomic writes data to path so that readers see either the old file or the complete new
// one: it writes a temporary file in the same folder, syncs it, renames it over path and syncs
// the folder.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: some file systems cannot sync folders
		d.Close()
	}
	return nil
}

// CleanTemp removes the leftovers of interrupted atomic writes under dir: files named like the
// temporary files of WriteFileAtomic (".<name>.tmp-*"), of other writers using the same
// "<name>.tmp-*" pattern (cached model weights), and locks renamed aside to be broken
// ("*.lock.stale-*"), when they were last modified more than olderThan ago (a younger one may
// belong to a live runner sharing the folder). It returns the removed paths; a missing dir is not
// an error.
func CleanTemp(dir string, olderThan time.Duration) ([]string, error) {
	var removed []string
	cutoff := time.Now().Add(-olderThan)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == dir {
				return filepath.SkipDir
			}
			return err
		}
		name := d.Name()
		if !d.Type().IsRegular() || !(strings.Contains(name, ".tmp-") || strings.Contains(name, ".lock.stale-")) {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.ModTime().After(cutoff) {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed = append(removed, path)
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("clean temporary files under %s: %w", dir, err)
	}
	return removed, nil
}
