package datasets

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed data/nyc/checkins.csv.gz data/geolife/*.csv.gz
var embedded embed.FS

// Names lists the loaders (the values of a data set's `loader:` key).
var Names = []string{"nyc", "geolife", "appusage", "lsapp", "synthetic"}

// Spec says which loader reads which file. An empty Path means the copy embedded in the binary
// (nyc and geolife only).
type Spec struct {
	Loader string `yaml:"loader"`
	Path   string `yaml:"path"`
	// Synthetic configures the synthetic generator (loader "synthetic").
	Synthetic SyntheticConfig `yaml:"synthetic"`
}

// Load reads a data set.
func Load(spec Spec) (*Log, error) {
	switch spec.Loader {
	case "nyc":
		return loadFiles(spec.Path, []string{"data/nyc/checkins.csv.gz"}, "checkins.csv", ReadNYC)
	case "geolife":
		return loadFiles(spec.Path, []string{
			"data/geolife/staypoints_train.csv.gz",
			"data/geolife/staypoints_valid.csv.gz",
			"data/geolife/staypoints_test.csv.gz",
		}, "staypoints_*.csv", ReadGeoLife)
	case "appusage":
		if spec.Path == "" {
			return nil, fmt.Errorf("data set appusage: path is required (the Tsinghua App Usage trace is not shipped)")
		}
		return loadFiles(spec.Path, nil, "", ReadAppUsage)
	case "lsapp":
		if spec.Path == "" {
			return nil, fmt.Errorf("data set lsapp: path is required (LSApp is not shipped)")
		}
		return loadFiles(spec.Path, nil, "", ReadLSApp)
	case "synthetic":
		return Synthetic(spec.Synthetic)
	}
	return nil, fmt.Errorf("unknown data set loader %q (known: %s)", spec.Loader, strings.Join(Names, ", "))
}

// reader parses one or more named inputs into a Log.
type reader func(inputs []namedReader) (*Log, error)

type namedReader struct {
	name string
	r    io.Reader
}

// loadFiles opens the embedded files (path == "") or the files at path: a file, or a directory
// whose entries matching pattern are read in name order.
func loadFiles(path string, embeddedNames []string, pattern string, read reader) (*Log, error) {
	var inputs []namedReader
	if path == "" {
		for _, n := range embeddedNames {
			b, err := embedded.ReadFile(n)
			if err != nil {
				return nil, fmt.Errorf("embedded %s: %w", n, err)
			}
			inputs = append(inputs, namedReader{"embedded:" + n, bytes.NewReader(b)})
		}
		return read(inputs)
	}
	files := []string{path}
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open data set: %w", err)
	} else if st.IsDir() {
		if pattern == "" {
			return nil, fmt.Errorf("%s: is a directory; give the file", path)
		}
		plain, _ := filepath.Glob(filepath.Join(path, pattern))
		gzipped, _ := filepath.Glob(filepath.Join(path, pattern+".gz"))
		for _, g := range gzipped {
			if i := sort.SearchStrings(plain, strings.TrimSuffix(g, ".gz")); i < len(plain) && plain[i] == strings.TrimSuffix(g, ".gz") {
				return nil, fmt.Errorf("%s: both %s and %s are present (as gzip -k leaves them); remove one so the events are not read twice",
					path, filepath.Base(plain[i]), filepath.Base(g))
			}
		}
		files = append(plain, gzipped...)
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no files matching %s", path, pattern)
		}
	}
	for _, f := range files {
		// A FIFO, device or socket would block in open or read forever: only regular files.
		if st, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("open data set: %w", err)
		} else if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file (%s); give a file or a folder of files", f, st.Mode().Type())
		}
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("open data set: %w", err)
		}
		defer fh.Close()
		inputs = append(inputs, namedReader{f, fh})
	}
	return read(inputs)
}

// ReadNYC reads Foursquare NYC check-ins (columns user_id, timestamp, category; timestamp in local
// ISO 8601 without zone). The behavior is the venue category.
func ReadNYC(inputs []namedReader) (*Log, error) {
	byUser := map[string][]Event{}
	for _, in := range inputs {
		t, err := openTable(in.name, in.r, ',', "user_id", "timestamp", "category")
		if err != nil {
			return nil, err
		}
		for {
			ok, err := t.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			user, err := t.str("user_id")
			if err != nil {
				return nil, err
			}
			ts, err := t.str("timestamp")
			if err != nil {
				return nil, err
			}
			tm, err := time.Parse("2006-01-02T15:04:05", ts)
			if err != nil {
				return nil, t.errorf("bad timestamp %q (want 2006-01-02T15:04:05)", ts)
			}
			cat, err := t.str("category")
			if err != nil {
				return nil, err
			}
			byUser[user] = append(byUser[user], Event{Time: tm, Weekday: tm.Weekday(), Hour: tm.Hour(), Behavior: cat})
		}
	}
	return newLog("nyc", inputs[0].name, byUser)
}

// geoLifeEpoch is an arbitrary Monday: GeoLife stay points carry day offsets, not dates.
var geoLifeEpoch = time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)

// ReadGeoLife reads GeoLife stay points as preprocessed for LLM-Mob (columns user_id, location_id,
// start_day, start_min, weekday with 0 = Monday). The behavior is the location id. The shipped
// train/valid/test files are concatenated; the harness makes its own chronological split.
func ReadGeoLife(inputs []namedReader) (*Log, error) {
	byUser := map[string][]Event{}
	for _, in := range inputs {
		t, err := openTable(in.name, in.r, ',', "user_id", "location_id", "start_day", "start_min", "weekday")
		if err != nil {
			return nil, err
		}
		for {
			ok, err := t.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			user, err := t.str("user_id")
			if err != nil {
				return nil, err
			}
			loc, err := t.str("location_id")
			if err != nil {
				return nil, err
			}
			day, err := t.int("start_day")
			if err != nil {
				return nil, err
			}
			minute, err := t.int("start_min")
			if err != nil {
				return nil, err
			}
			wd, err := t.int("weekday")
			if err != nil {
				return nil, err
			}
			if day < 0 || minute < 0 || minute >= 24*60 || wd < 0 || wd > 6 {
				return nil, t.errorf("out of range: start_day=%d start_min=%d weekday=%d", day, minute, wd)
			}
			tm := geoLifeEpoch.Add(time.Duration(day)*24*time.Hour + time.Duration(minute)*time.Minute)
			byUser[user] = append(byUser[user], Event{Time: tm, Weekday: time.Weekday((wd + 1) % 7), Hour: minute / 60, Behavior: "loc" + loc})
		}
	}
	return newLog("geolife", inputs[0].name, byUser)
}

// ReadAppUsage reads the Tsinghua App Usage trace: one record a line, whitespace or comma separated,
// "user_id timestamp location app_id traffic" with timestamp as YYYYMMDDhhmmss. A header line is
// optional. The behavior is the app id ("app<id>").
func ReadAppUsage(inputs []namedReader) (*Log, error) {
	byUser := map[string][]Event{}
	for _, in := range inputs {
		b, err := readAllBytes(in.name, in.r)
		if err != nil {
			return nil, err
		}
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			fields := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
			if i == 0 && len(fields) > 1 && !isDigits(fields[1]) {
				continue // header
			}
			if len(fields) < 4 {
				return nil, fmt.Errorf("%s:%d: want at least 4 fields (user_id timestamp location app_id [traffic]), got %d", in.name, i+1, len(fields))
			}
			tm, err := time.Parse("20060102150405", fields[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad timestamp %q (want YYYYMMDDhhmmss)", in.name, i+1, fields[1])
			}
			if _, err := strconv.Atoi(fields[3]); err != nil {
				return nil, fmt.Errorf("%s:%d: app_id %q is not a number", in.name, i+1, fields[3])
			}
			byUser[fields[0]] = append(byUser[fields[0]], Event{Time: tm, Weekday: tm.Weekday(), Hour: tm.Hour(), Behavior: "app" + fields[3]})
		}
	}
	return newLog("appusage", inputs[0].name, byUser)
}

// ReadLSApp reads LSApp (tab separated, optionally gzip-compressed, columns user_id, session_id,
// timestamp "2006-01-02 15:04:05", app_name, event_type). Only "Opened" events are behaviors.
func ReadLSApp(inputs []namedReader) (*Log, error) {
	byUser := map[string][]Event{}
	for _, in := range inputs {
		t, err := openTable(in.name, in.r, '\t', "user_id", "timestamp", "app_name", "event_type")
		if err != nil {
			return nil, err
		}
		for {
			ok, err := t.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			kind, err := t.str("event_type")
			if err != nil {
				return nil, err
			}
			if kind != "Opened" {
				continue
			}
			user, err := t.str("user_id")
			if err != nil {
				return nil, err
			}
			ts, err := t.str("timestamp")
			if err != nil {
				return nil, err
			}
			tm, err := time.Parse("2006-01-02 15:04:05", ts)
			if err != nil {
				return nil, t.errorf("bad timestamp %q (want 2006-01-02 15:04:05)", ts)
			}
			app, err := t.str("app_name")
			if err != nil {
				return nil, err
			}
			byUser[user] = append(byUser[user], Event{Time: tm, Weekday: tm.Weekday(), Hour: tm.Hour(), Behavior: app})
		}
	}
	return newLog("lsapp", inputs[0].name, byUser)
}
