package reports

import (
	"bytes"
	"encoding/csv"
	"sort"
	"strconv"

	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// csvHeader are the columns of cells.csv: one row per ok cell, group and metric. k is the tail
// shot count ("all" for no limit); n is the group's number of test samples; value is empty when
// the group has no samples. Values are written with the shortest representation that reads
// back to the same float64. The backend and config of each cell are in its JSON file.
var csvHeader = []string{"experiment", "dataset", "method", "kind", "k", "seed", "group", "metric", "value", "n", "commit"}

// CellsCSV renders the ok cells in long form, sorted by data set, method, k, seed.
func CellsCSV(cells []*results.Cell) ([]byte, error) {
	var ok []*results.Cell
	for _, c := range cells {
		if c.Status == results.StatusOK && c.Metrics != nil {
			ok = append(ok, c)
		}
	}
	sort.Slice(ok, func(i, j int) bool {
		a, b := ok[i], ok[j]
		if a.Dataset != b.Dataset {
			return a.Dataset < b.Dataset
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		if a.TailShots != b.TailShots {
			return a.TailShots < b.TailShots
		}
		return a.Seed < b.Seed
	})
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(csvHeader)
	for _, c := range ok {
		for _, g := range metrics.Groups {
			m, _ := c.Metrics.Group(g)
			for _, k := range metrics.Keys {
				v, _ := m.Get(k)
				value := ""
				if m.N > 0 {
					value = strconv.FormatFloat(v, 'g', -1, 64)
				}
				w.Write([]string{c.Experiment, c.Dataset, c.Method, c.Kind, results.KLabel(c.TailShots), strconv.FormatUint(c.Seed, 10),
					g, k, value, strconv.Itoa(m.N), c.Env.Short()})
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
