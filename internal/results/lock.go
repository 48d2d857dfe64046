package results

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LockedError says that another live runner holds a cell's lock.
type LockedError struct {
	Path   string
	Holder string // the lock file's content: pid, host and start time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is locked by another runner (%s)", e.Path, strings.ReplaceAll(strings.TrimSpace(e.Holder), "\n", ", "))
}

// Lock is a held cell lock: a file created with O_EXCL that names its holder (pid, host, boot id
// and PID namespace, and a random owner token). While held, its modification time is refreshed
// every staleAfter/4, so other runners (also on other hosts that share the folder) can tell a live
// lock from one left behind by a killed runner.
//
// A lock is broken when either
//   - its modification time is older than staleAfter. The holder stamps the time with its own
//     clock, so the clocks of runners sharing a folder may differ by up to 3/4 of staleAfter
//     (7.5 min with the runner's default -lock-stale 10m) before a live lock looks stale; or
//   - its holder is provably dead: same host name, same boot and same PID namespace as the
//     reader (so the pid means the same process), and no process with that pid exists. A runner
//     in another container or PID namespace with the same host name (host networking) is never
//     judged by its pid, only by the heartbeat.
type Lock struct {
	path    string
	content []byte
	stop    chan struct{}
	wg      sync.WaitGroup
}

// AcquireLock takes the lock file at path. A lock whose holder is a dead process on this host, or
// whose file was not refreshed for staleAfter, is stale and is broken. A live lock yields a
// *LockedError. The lock's folder is created if needed.
func AcquireLock(path string, staleAfter time.Duration) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	host, _ := os.Hostname()
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("lock %s: owner token: %w", path, err)
	}
	content := []byte(fmt.Sprintf("pid %d\nhost %s\n%sowner %x\nstarted %s\n", os.Getpid(), host, namespaceLines(), token, time.Now().UTC().Format(time.RFC3339)))
	for attempt := 0; attempt < 3; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := f.Write(content)
			serr := f.Sync()
			cerr := f.Close()
			if err := errors.Join(werr, serr, cerr); err != nil {
				os.Remove(path)
				return nil, fmt.Errorf("lock %s: %w", path, err)
			}
			l := &Lock{path: path, content: content, stop: make(chan struct{})}
			l.wg.Add(1)
			go l.heartbeat(staleAfter / 4)
			return l, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		holder, stale, err := inspectLock(path, host, staleAfter)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // released meanwhile
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !stale {
			return nil, &LockedError{Path: path, Holder: string(holder)}
		}
		if err := breakLock(path, holder); err != nil {
			return nil, fmt.Errorf("lock %s: break stale lock: %w", path, err)
		}
	}
	return nil, fmt.Errorf("lock %s: contended, giving up", path)
}

// inspectLock reads a lock file and decides whether it is stale.
func inspectLock(path, host string, staleAfter time.Duration) (content []byte, stale bool, err error) {
	content, err = os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if staleAfter > 0 && time.Since(info.ModTime()) > staleAfter {
		return content, true, nil
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(content), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			fields[k] = v
		}
	}
	pid, perr := strconv.Atoi(fields["pid"])
	if perr != nil {
		// A lock being written right now has no content yet; treat it as live unless old.
		return content, false, nil
	}
	boot, pidns := namespace()
	if fields["host"] == host && boot != "" && pidns != "" && fields["boot"] == boot && fields["pidns"] == pidns && !processAlive(pid) {
		return content, true, nil
	}
	return content, false, nil
}

// namespace returns this machine's boot id and this process's PID namespace (Linux; empty
// elsewhere, where locks are judged by their heartbeat alone).
func namespace() (boot, pidns string) {
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		boot = strings.TrimSpace(string(b))
	}
	if l, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		pidns = l
	}
	return boot, pidns
}

// namespaceLines formats namespace() for a lock file ("boot ...\npidns ...\n").
func namespaceLines() string {
	boot, pidns := namespace()
	return fmt.Sprintf("boot %s\npidns %s\n", boot, pidns)
}

// breakLock removes a stale lock, unless another runner replaced it after we read it: the lock is
// renamed away first (atomic), and put back if the renamed file is not the one judged stale.
func breakLock(path string, judged []byte) error {
	aside := fmt.Sprintf("%s.stale-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	got, err := os.ReadFile(aside)
	if err == nil && !bytes.Equal(got, judged) {
		// Someone took the lock between our read and the rename: give it back (Link fails if a
		// third runner already created a new lock, which then stays valid).
		os.Link(aside, path)
	}
	return os.Remove(aside)
}

// heartbeat refreshes the lock file's modification time until Release.
func (l *Lock) heartbeat(every time.Duration) {
	defer l.wg.Done()
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case now := <-t.C:
			os.Chtimes(l.path, now, now)
		}
	}
}

// Release removes the lock file if it is still ours.
func (l *Lock) Release() error {
	close(l.stop)
	l.wg.Wait()
	got, err := os.ReadFile(l.path)
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	if !bytes.Equal(got, l.content) {
		return fmt.Errorf("release lock %s: lock was taken over by another runner", l.path)
	}
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}
