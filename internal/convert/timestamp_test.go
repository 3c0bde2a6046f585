package convert

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
)

// Values without a zone are local date-times (isAdjustedToUTC=false), read
// back as written in any session time zone; values with a zone are
// instants; a column mixing both holds instants, its zone-less values UTC.
func TestTimestampsWithoutZoneAreLocal(t *testing.T) {
	e := newEnv(t, map[string]string{"a.csv": "id,local,instant,mixed\n" +
		"1,2024-01-02 12:34:00,2024-01-02T12:34:00Z,2024-01-02T12:34:00\n" +
		"2,2024-01-02T12:34,2024-01-02T14:34:00+02:00,2024-01-02T12:34:00Z\n"})
	if _, err := e.run(e.csvTable("id:bigint", "local:timestamp", "instant:timestamp", "mixed:timestamp"), nil, Options{}); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	for _, k := range e.files() {
		if strings.HasSuffix(k, ".parquet") {
			got = readBack(t, e.object(k))
		}
	}
	want := map[string]string{
		"local:type":   "timestamp[us]",
		"local":        `["2024-01-02T12:34:00","2024-01-02T12:34:00"]`,
		"instant:type": "timestamp[us, tz=UTC]",
		"instant":      `["2024-01-02T12:34:00Z","2024-01-02T12:34:00Z"]`,
		"mixed:type":   "timestamp[us, tz=UTC]",
		"mixed":        `["2024-01-02T12:34:00Z","2024-01-02T12:34:00Z"]`,
	}
	for col, w := range want {
		if got[col] != w {
			t.Errorf("%s = %s, want %s", col, got[col], w)
		}
	}
}

// A value with a zone in a column its first rows made local is a bad
// record: converting it to a wall clock would change what it means.
func TestZonedValueInLocalColumnIsBad(t *testing.T) {
	e := newEnv(t, map[string]string{
		"a.csv": "id,at\n1,2024-01-02 12:34:00\n",
		"b.csv": "id,at\n2,2024-01-02T12:34:00+02:00\n3,2024-01-03 08:00:00\n",
	})
	sum, err := e.run(e.csvTable("id:bigint", "at:timestamp"), nil, Options{MaxBadRecords: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RowsWritten != 2 || sum.RowsQuarantined != 1 {
		t.Fatalf("written %d, quarantined %d; want 2 and 1", sum.RowsWritten, sum.RowsQuarantined)
	}
	q := string(e.object(strings.TrimPrefix(sum.Quarantine, e.dest.URI(""))))
	if !strings.Contains(q, `\"2024-01-02T12:34:00+02:00\" has a time zone: the column holds local date-times`) || !strings.Contains(q, `"line":2`) {
		t.Errorf("quarantine: %s", q)
	}
}

// Compaction keeps local date-times local, and will not merge files that
// disagree on a column's meaning.
func TestCompactKeepsLocalTimestamps(t *testing.T) {
	e := newEnv(t, map[string]string{"a.csv": "id,at\n1,2024-01-02 12:34:00\n"})
	tbl := e.csvTable("id:bigint", "at:timestamp")
	opts := Options{Register: "lake.events", Again: true}
	for range 2 {
		if _, err := e.run(tbl, nil, opts); err != nil {
			t.Fatal(err)
		}
	}
	openStore := func(ctx context.Context, uri string) (storage.Store, error) {
		return local.New(strings.TrimPrefix(uri, "file://"))
	}
	if _, err := Compact(t.Context(), e.cat, openStore, "lake", "events", CompactOptions{RunID: "c1"}); err != nil {
		t.Fatal(err)
	}
	var n int
	for _, k := range e.files() {
		if strings.HasSuffix(k, ".parquet") {
			n++
			if got := readBack(t, e.object(k)); got["at:type"] != "timestamp[us]" || got["at"] != `["2024-01-02T12:34:00","2024-01-02T12:34:00"]` {
				t.Errorf("%s: at %s %s", k, got["at:type"], got["at"])
			}
		}
	}
	if n != 1 {
		t.Errorf("%d files after compaction, want 1", n)
	}

	e.write(map[string]string{"a.csv": "id,at\n2,2024-01-02T12:34:00Z\n"})
	if _, err := e.run(tbl, nil, opts); err != nil {
		t.Fatal(err)
	}
	// Local and instant files are left as they are, said so; other
	// locations would still be compacted.
	before := e.files()
	sum, err := Compact(t.Context(), e.cat, openStore, "lake", "events", CompactOptions{RunID: "c2"})
	if err != nil || len(sum.Refused) != 1 || !strings.Contains(sum.Refused[0].Reason, "not compacted together") {
		t.Errorf("compacting local and instant files: %v %+v", err, sum)
	}
	if after := e.files(); !slices.Equal(before, after) {
		t.Errorf("a refused location changed: %v → %v", before, after)
	}
}

// JSON lines and JSON documents decide the same way as CSV.
func TestJSONTimestampsWithoutZoneAreLocal(t *testing.T) {
	for name, body := range map[string]string{
		"lines.json": `{"id": 1, "at": "2024-01-02 12:34:00", "utc": "2024-01-02T12:34:00Z"}` + "\n" + `{"id": 2, "at": "2024-01-02T12:34"}` + "\n",
		"doc.json":   `[{"id": 1, "at": "2024-01-02 12:34:00", "utc": "2024-01-02T12:34:00Z"}, {"id": 2, "at": "2024-01-02T12:34"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, map[string]string{name: body})
			if _, err := e.run(jsonTable("file://"+e.src+"/", "id:bigint", "at:timestamp", "utc:timestamp"), nil, Options{}); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, k := range e.files() {
				if !strings.HasSuffix(k, ".parquet") {
					continue
				}
				n++
				got := readBack(t, e.object(k))
				if got["at:type"] != "timestamp[us]" || got["at"] != `["2024-01-02T12:34:00","2024-01-02T12:34:00"]` || got["utc:type"] != "timestamp[us, tz=UTC]" {
					t.Errorf("at %s %s, utc %s", got["at:type"], got["at"], got["utc:type"])
				}
			}
			if n != 1 {
				t.Errorf("%d Parquet files, want 1", n)
			}
		})
	}
}
