package search

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusFloor is the least precision and recall each entity type keeps on
// the labelled corpus (testdata/corpus, README.md there), set from the
// measurement (docs/search.md, "Precision and recall").
var corpusFloor = map[string][2]float64{
	// entity: {precision, recall}; measured 1.000 and 1.000 unless said
	EntityEmail: {0.99, 0.99}, EntityPhone: {0.99, 0.99}, EntityIPv4: {0.99, 0.99}, EntityIPv6: {0.99, 0.99},
	EntityMAC: {0.99, 0.99}, EntityCreditCard: {0.99, 0.99}, EntityIBAN: {0.99, 0.99}, EntitySSN: {0.99, 0.99},
	EntityUUID: {0.99, 0.99}, EntityURL: {0.99, 0.99}, EntityPostalCode: {0.99, 0.99},
	EntityCountry:  {0.97, 0.99}, // measured 0.980: alpha-3 codes that are currency codes too (CHE, MKD, BTN, SLE)
	EntityCurrency: {0.98, 0.99}, // measured 0.993: SLE is Sierra Leone's alpha-3 code too
	EntityDate:     {0.99, 0.99}, EntityTimestamp: {0.99, 0.99}, EntityGeoPoint: {0.99, 0.99},
	EntityLatitude: {0.99, 0.99}, EntityLongitude: {0.99, 0.99}, EntityPersonName: {0.99, 0.99},
}

// TestCorpusPrecisionRecall detects every value of the labelled corpus,
// in its column, and measures per entity type the precision (of the
// values detected as it, the share labelled so) and the recall (of the
// values labelled so, the share detected as it).
func TestCorpusPrecisionRecall(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "corpus", "corpus.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	for i, r := range recs[1:] {
		label, column, value := r[0], r[1], r[2]
		got := Detect(value, column)
		for e := range got {
			if e == label {
				tp[e]++
			} else {
				fp[e]++
				t.Logf("corpus.csv:%d: %q (%s, column %s) detected as %s", i+2, value, or(label, "none"), column, e)
			}
		}
		if label != "" && got[label] == nil {
			fn[label]++
			t.Logf("corpus.csv:%d: %q (%s, column %s) not detected", i+2, value, label, column)
		}
	}
	var entities []string
	for _, d := range Detectors {
		if !slices.Contains(entities, d.Entity) {
			entities = append(entities, d.Entity)
		}
	}
	var table strings.Builder
	table.WriteString("| entity | values | precision | recall |\n|---|---:|---:|---:|\n")
	for _, e := range entities {
		p, r := ratio(tp[e], tp[e]+fp[e]), ratio(tp[e], tp[e]+fn[e])
		fmt.Fprintf(&table, "| %s | %d | %.3f | %.3f |\n", e, tp[e]+fn[e], p, r)
		floor, ok := corpusFloor[e]
		if !ok {
			t.Errorf("%s: no floor set (precision %.3f, recall %.3f)", e, p, r)
			continue
		}
		if p < floor[0] || r < floor[1] {
			t.Errorf("%s: precision %.3f, recall %.3f; want at least %.3f and %.3f", e, p, r, floor[0], floor[1])
		}
	}
	t.Logf("on %d values:\n%s", len(recs)-1, table.String())
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
