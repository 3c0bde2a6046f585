package convert

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// columnStats reads the min and max statistics of a decimal column in
// every row group with Apache Arrow's reader, as decimal text.
func columnStats(t *testing.T, data []byte, col string) (mins, maxs []string) {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	md := rdr.MetaData()
	idx := md.Schema.ColumnIndexByName(col)
	if idx < 0 {
		t.Fatalf("no column %s", col)
	}
	dec, ok := md.Schema.Column(idx).LogicalType().(schema.DecimalLogicalType)
	if !ok {
		t.Fatalf("column %s is %s, not a decimal", col, md.Schema.Column(idx).LogicalType())
	}
	text := func(n *big.Int) string {
		return new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dec.Scale())), nil)).FloatString(int(dec.Scale()))
	}
	for rg := range md.NumRowGroups() {
		cc, err := md.RowGroup(rg).ColumnChunk(idx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := cc.Statistics()
		if err != nil || st == nil || !st.HasMinMax() {
			t.Fatalf("row group %d, column %s: no statistics (%v)", rg, col, err)
		}
		switch s := st.(type) {
		case *metadata.Int32Statistics:
			mins, maxs = append(mins, text(big.NewInt(int64(s.Min())))), append(maxs, text(big.NewInt(int64(s.Max()))))
		case *metadata.Int64Statistics:
			mins, maxs = append(mins, text(big.NewInt(s.Min()))), append(maxs, text(big.NewInt(s.Max())))
		case *metadata.FixedLenByteArrayStatistics:
			mins, maxs = append(mins, text(twosComplement(s.Min()))), append(maxs, text(twosComplement(s.Max())))
		default:
			t.Fatalf("column %s: statistics of type %T", col, st)
		}
	}
	return mins, maxs
}

// object reads one object of the destination.
func (e *env) object(key string) []byte {
	e.t.Helper()
	rc, err := e.dest.Get(e.t.Context(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	return data
}

// twosComplement reads big-endian two's complement bytes.
func twosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// Engines skip row groups by these statistics: negative and positive
// decimals must order as numbers, whatever the physical type.
func TestDecimalStatisticsAreSigned(t *testing.T) {
	const temps = "year,temp\n1880,-0.17\n1881,1\n1882,1.17\n1883,-0.48\n"
	// decimal(21,2) is what integers meeting decimals in a catalog's schema
	// widen to (16-byte FIXED_LEN_BYTE_ARRAY); decimal(18,2) is INT64,
	// decimal(9,2) INT32.
	for _, typ := range []string{"decimal(21,2)", "decimal(38,2)", "decimal(18,2)", "decimal(9,2)"} {
		t.Run(typ, func(t *testing.T) {
			e := newEnv(t, map[string]string{"temps.csv": temps})
			if _, err := e.run(e.csvTable("year:bigint", "temp:"+typ), nil, Options{}); err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, k := range e.files() {
				if !strings.HasSuffix(k, ".parquet") {
					continue
				}
				found = true
				data := e.object(k)
				mins, maxs := columnStats(t, data, "temp")
				if len(mins) != 1 || mins[0] != "-0.48" || maxs[0] != "1.17" {
					t.Errorf("%s: min %v max %v, want -0.48 and 1.17", k, mins, maxs)
				}
			}
			if !found {
				t.Fatal("no Parquet written")
			}
		})
	}
}

// created_by names lakectl's version in the form readers parse.
func TestCreatedByCarriesVersion(t *testing.T) {
	e := newEnv(t, map[string]string{"a.csv": "id\n1\n"})
	if _, err := e.run(e.csvTable("id:bigint"), nil, Options{Version: "1.2.3", Build: "3f2a9c1"}); err != nil {
		t.Fatal(err)
	}
	var n int
	for _, k := range e.files() {
		if !strings.HasSuffix(k, ".parquet") {
			continue
		}
		n++
		rdr, err := file.NewParquetReader(bytes.NewReader(e.object(k)))
		if err != nil {
			t.Fatal(err)
		}
		md := rdr.MetaData()
		if got := md.GetCreatedBy(); got != "lakectl version 1.2.3 (build 3f2a9c1)" {
			t.Errorf("created_by %q", got)
		}
		v := md.WriterVersion()
		if v.App != "lakectl" || v.Build != "3f2a9c1" || v.Version.Major != 1 || v.Version.Minor != 2 || v.Version.Patch != 3 {
			t.Errorf("Arrow parses created_by as %+v", v)
		}
	}
	if n != 1 {
		t.Fatalf("%d Parquet files, want 1", n)
	}
}

// Over several row groups and pages, with nulls, the statistics and the
// page index of a 16-byte decimal bound exactly the values written.
func TestDecimalStatisticsOverRowGroupsAndPages(t *testing.T) {
	const rows = 90_000
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("id,v\n")
	values := make([]*int64, rows) // nil: null
	for i := range rows {
		if r.IntN(10) == 0 {
			fmt.Fprintf(&b, "%d,\n", i)
			continue
		}
		v := r.Int64N(2_000_001) - 1_000_000 // -10000.00 to 10000.00
		values[i] = &v
		fmt.Fprintf(&b, "%d,%s\n", i, big.NewRat(v, 100).FloatString(2))
	}
	e := newEnv(t, map[string]string{"v.csv": b.String()})
	if _, err := e.run(e.csvTable("id:bigint", "v:decimal(38,2)"), nil, Options{Workers: 1, RowGroupSize: 30_000}); err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, k := range e.files() {
		if strings.HasSuffix(k, ".parquet") {
			data = e.object(k)
		}
	}
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	md := rdr.MetaData()
	col := md.Schema.ColumnIndexByName("v")
	mins, maxs := columnStats(t, data, "v")
	if md.NumRowGroups() < 2 {
		t.Fatalf("%d row groups, want several", md.NumRowGroups())
	}
	start := 0
	for g := range md.NumRowGroups() {
		end := start + int(md.RowGroup(g).NumRows())
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for _, v := range values[start:end] {
			if v != nil {
				lo, hi = min(lo, *v), max(hi, *v)
			}
		}
		start = end
		if want := big.NewRat(lo, 100).FloatString(2); mins[g] != want {
			t.Errorf("row group %d: min %s, want %s", g, mins[g], want)
		}
		if want := big.NewRat(hi, 100).FloatString(2); maxs[g] != want {
			t.Errorf("row group %d: max %s, want %s", g, maxs[g], want)
		}
		rg, err := rdr.GetPageIndexReader().RowGroup(g)
		if err != nil {
			t.Fatal(err)
		}
		ci, err := rg.GetColumnIndex(col)
		if err != nil || ci == nil {
			t.Fatalf("row group %d: no page index (%v)", g, err)
		}
		pageMin, pageMax := big.NewInt(math.MaxInt64), big.NewInt(math.MinInt64)
		for p, null := range ci.GetNullPages() {
			if null {
				continue
			}
			pl, ph := twosComplement(ci.GetMinValues()[p]), twosComplement(ci.GetMaxValues()[p])
			if pl.Cmp(ph) > 0 {
				t.Errorf("row group %d page %d: min %v above max %v", g, p, pl, ph)
			}
			if pl.Cmp(pageMin) < 0 {
				pageMin = pl
			}
			if ph.Cmp(pageMax) > 0 {
				pageMax = ph
			}
		}
		if len(ci.GetNullPages()) < 2 || pageMin.Int64() != lo || pageMax.Int64() != hi {
			t.Errorf("row group %d: %d pages bound %v to %v, want several pages bounding %d to %d", g, len(ci.GetNullPages()), pageMin, pageMax, lo, hi)
		}
	}
}
