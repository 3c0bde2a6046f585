// Package storagetest is the conformance suite every storage backend runs:
//
//	storagetest.Run(t, func(t *testing.T) storage.Store { return openMine(t) })
//
// newStore must return an empty store for each subtest.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/storage"
)

// Run runs the suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutGet", testPutGet},
		{"Missing", testMissing},
		{"InvalidKeys", testInvalidKeys},
		{"List", testList},
		{"ListManyPages", testListManyPages},
		{"Delete", testDelete},
		{"RemoveFolder", testRemoveFolder},
		{"GetRange", testGetRange},
		{"Copy", testCopy},
		{"Move", testMove},
		{"LargeObjectStreams", testLarge},
		{"FailedPutLeavesNothing", testFailedPut},
		{"PutIsAtomic", testAtomicPut},
		{"SwapCreatesOnce", testSwapCreatesOnce},
		{"SwapRace", testSwapRace},
		{"KeyOfURI", testKeyOfURI},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, s storage.Store, key, body string) {
	t.Helper()
	must(t, s.Put(t.Context(), key, bytes.NewReader([]byte(body))))
}

func get(t *testing.T, s storage.Store, key string) string {
	t.Helper()
	return string(Read(t, s, key))
}

// Read reads an object whole, failing the test if it cannot.
func Read(t testing.TB, s storage.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keys(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	out := []string{}
	for o, err := range s.List(t.Context(), prefix) {
		must(t, err)
		out = append(out, o.Key)
	}
	return out
}

func testPutGet(t *testing.T, s storage.Store) {
	before := time.Now().Add(-time.Minute)
	put(t, s, "raw/orders/2024/orders.csv", "id,amount\n1,9.50\n")
	put(t, s, "empty", "")
	bin := string([]byte{0, 1, 2, 255, 254, '\n', 0})
	put(t, s, "bin/blob", bin)
	if got := get(t, s, "raw/orders/2024/orders.csv"); got != "id,amount\n1,9.50\n" {
		t.Errorf("Get = %q", got)
	}
	if got := get(t, s, "empty"); got != "" {
		t.Errorf("empty object = %q", got)
	}
	if got := get(t, s, "bin/blob"); got != bin {
		t.Errorf("binary object = %q", got)
	}
	o, err := s.Stat(t.Context(), "raw/orders/2024/orders.csv")
	must(t, err)
	if o.Key != "raw/orders/2024/orders.csv" || o.Size != 17 || o.ModTime.Before(before) || o.ModTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat = %+v", o)
	}
	put(t, s, "raw/orders/2024/orders.csv", "replaced")
	if got := get(t, s, "raw/orders/2024/orders.csv"); got != "replaced" {
		t.Errorf("after overwrite: %q", got)
	}
	if u := s.URI("raw/x.csv"); u == "" || u[len(u)-len("raw/x.csv"):] != "raw/x.csv" {
		t.Errorf("URI = %q", u)
	}
}

func testMissing(t *testing.T, s storage.Store) {
	put(t, s, "dir/file", "x")
	for _, key := range []string{"nope", "dir", "dir/file/below", "dir/fil"} {
		if _, err := s.Get(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Get(%q) = %v, want fs.ErrNotExist", key, err)
		}
		if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%q) = %v, want fs.ErrNotExist", key, err)
		}
	}
}

// A key comes back from its URI, whatever the URI escapes (a Hive folder
// name spells '/' in a value as %2F; file:// URIs spell '%' as %25), and
// a URI outside the store is not taken for one of its keys.
func testKeyOfURI(t *testing.T, s storage.Store) {
	for _, key := range []string{"", "raw/x.csv", "p=1/", "year=2024/k=a%3Db%2Fc/part 1.parquet", "a+b/#c?d"} {
		if got, ok := storage.KeyOf(s, s.URI(key)); !ok || got != key {
			t.Errorf("KeyOf(URI(%q) = %q) = %q, %v", key, s.URI(key), got, ok)
		}
	}
	for _, uri := range []string{"file:///elsewhere/x.csv", "s3://elsewhere/x.csv"} {
		if got, ok := storage.KeyOf(s, uri); ok {
			t.Errorf("KeyOf(%q) = %q: a URI outside the store", uri, got)
		}
	}
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	for _, key := range []string{"", "/abs", "a//b", "a/../b", "./a", "dir/"} {
		if err := s.Put(t.Context(), key, bytes.NewReader(nil)); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Put(%q) = %v, want fs.ErrInvalid", key, err)
		}
		if _, err := s.Get(t.Context(), key); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Get(%q) = %v, want fs.ErrInvalid", key, err)
		}
	}
}

func testList(t *testing.T, s storage.Store) {
	all := []string{"a.b", "a/b", "a/c/d", "a0", "data/year=2023/part-0.csv", "data/year=2024/part-0.csv", "data/year=2024/part-1.csv", "datafile", "z"}
	for _, k := range []string{"z", "a/c/d", "data/year=2024/part-1.csv", "a.b", "data/year=2023/part-0.csv", "a0", "datafile", "a/b", "data/year=2024/part-0.csv"} {
		put(t, s, k, k)
	}
	cases := map[string][]string{
		"":               all,
		"a":              {"a.b", "a/b", "a/c/d", "a0"},
		"a/":             {"a/b", "a/c/d"},
		"data/":          {"data/year=2023/part-0.csv", "data/year=2024/part-0.csv", "data/year=2024/part-1.csv"},
		"data/year=2024": {"data/year=2024/part-0.csv", "data/year=2024/part-1.csv"},
		"data/ye":        {"data/year=2023/part-0.csv", "data/year=2024/part-0.csv", "data/year=2024/part-1.csv"},
		"data":           {"data/year=2023/part-0.csv", "data/year=2024/part-0.csv", "data/year=2024/part-1.csv", "datafile"},
		"nothing/":       {},
		"a/c/d":          {"a/c/d"},
	}
	for prefix, want := range cases {
		if got := keys(t, s, prefix); !reflect.DeepEqual(got, want) {
			t.Errorf("List(%q) = %v, want %v", prefix, got, want)
		}
	}
	for o, err := range s.List(t.Context(), "data/year=2023/") {
		must(t, err)
		if o.Size != int64(len(o.Key)) || o.ModTime.IsZero() {
			t.Errorf("listed %+v: want size %d and a modification time", o, len(o.Key))
		}
	}
	n := 0
	for range s.List(t.Context(), "") {
		if n++; n == 2 {
			break
		}
	}
}

func testListManyPages(t *testing.T, s storage.Store) {
	const n = 2345 // more than two pages of S3's 1,000 keys
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- s.Put(t.Context(), fmt.Sprintf("many/%02d/obj-%05d", i%7, i), bytes.NewReader([]byte("x")))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got := keys(t, s, "many/")
	if len(got) != n {
		t.Fatalf("listed %d objects, want %d", len(got), n)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1] >= got[i] {
			t.Fatalf("listing out of order at %d: %q then %q", i, got[i-1], got[i])
		}
	}
}

func testDelete(t *testing.T, s storage.Store) {
	put(t, s, "p/year=2024/a", "1")
	put(t, s, "p/year=2024/b", "2")
	must(t, s.Delete(t.Context(), "p/year=2024/a"))
	must(t, s.Delete(t.Context(), "p/year=2024/a"))
	must(t, s.Delete(t.Context(), "never/was"))
	if got := keys(t, s, "p/"); !reflect.DeepEqual(got, []string{"p/year=2024/b"}) {
		t.Errorf("after delete: %v", got)
	}
	must(t, s.Delete(t.Context(), "p/year=2024/b"))
	if got := keys(t, s, ""); len(got) != 0 {
		t.Errorf("after deleting all: %v", got)
	}
}

func testRemoveFolder(t *testing.T, s storage.Store) {
	for _, k := range []string{"stage/run1/a", "stage/run1/x=1/b", "stage/run10/c", "stage/run1.alive", "z"} {
		put(t, s, k, k)
	}
	must(t, storage.RemoveFolder(t.Context(), s, "stage/run1"))
	if got, want := keys(t, s, ""), []string{"stage/run1.alive", "stage/run10/c", "z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after removing stage/run1: %v, want %v", got, want)
	}
	must(t, storage.RemoveFolder(t.Context(), s, "never/was"))
	for _, bad := range []string{"", "../up", "stage/"} {
		if err := storage.RemoveFolder(t.Context(), s, bad); err == nil {
			t.Errorf("RemoveFolder(%q): no error", bad)
		}
	}
	if got := keys(t, s, ""); len(got) != 3 {
		t.Errorf("a rejected folder removed something: %v", got)
	}
}

func testGetRange(t *testing.T, s storage.Store) {
	put(t, s, "r", "0123456789")
	cases := []struct {
		off, n int64
		want   string
	}{{0, 4, "0123"}, {6, -1, "6789"}, {6, 100, "6789"}, {9, 1, "9"}, {3, 0, ""}, {0, -1, "0123456789"}}
	for _, c := range cases {
		rc, err := storage.GetRange(t.Context(), s, "r", c.off, c.n)
		must(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		if string(b) != c.want {
			t.Errorf("GetRange(%d, %d) = %q, want %q", c.off, c.n, b, c.want)
		}
	}
	if _, err := storage.GetRange(t.Context(), s, "missing", 0, 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("GetRange(missing) = %v", err)
	}
}

func testCopy(t *testing.T, s storage.Store) {
	put(t, s, "src/a b+c.csv", "payload")
	must(t, storage.Copy(t.Context(), s, "src/a b+c.csv", "dst/copied.csv"))
	if got := get(t, s, "dst/copied.csv"); got != "payload" {
		t.Errorf("copy = %q", got)
	}
	if got := get(t, s, "src/a b+c.csv"); got != "payload" {
		t.Errorf("source after copy = %q", got)
	}
}

func testMove(t *testing.T, s storage.Store) {
	put(t, s, "staging/run/a.parquet", "payload")
	must(t, storage.Move(t.Context(), s, "staging/run/a.parquet", "table/year=2024/a.parquet"))
	if got := get(t, s, "table/year=2024/a.parquet"); got != "payload" {
		t.Errorf("moved = %q", got)
	}
	if got := keys(t, s, ""); !reflect.DeepEqual(got, []string{"table/year=2024/a.parquet"}) {
		t.Errorf("after move: %v", got)
	}
	if err := storage.Move(t.Context(), s, "staging/run/gone", "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("moving a missing object: %v", err)
	}
}

// patternReader yields n pseudo-random bytes without holding them.
type patternReader struct {
	rng *rand.ChaCha8
	n   int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	r.rng.Read(p)
	r.n -= int64(len(p))
	return len(p), nil
}

func newPattern(n int64) io.Reader { return &patternReader{rng: rand.NewChaCha8([32]byte{7}), n: n} }

func testLarge(t *testing.T, s storage.Store) {
	const size = 21<<20 + 123 // several multipart parts, not a multiple of any part size
	h := sha256.New()
	io.Copy(h, newPattern(size))
	want := h.Sum(nil)

	must(t, s.Put(t.Context(), "big/object.bin", newPattern(size)))
	o, err := s.Stat(t.Context(), "big/object.bin")
	must(t, err)
	if o.Size != size {
		t.Fatalf("size %d, want %d", o.Size, size)
	}
	rc, err := s.Get(t.Context(), "big/object.bin")
	must(t, err)
	defer rc.Close()
	h.Reset()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Sum(nil), want) {
		t.Error("large object came back different")
	}
}

type failingReader struct {
	r     io.Reader
	after int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("source broke")
	}
	if int64(len(p)) > f.after {
		p = p[:f.after]
	}
	n, err := f.r.Read(p)
	f.after -= int64(n)
	return n, err
}

func testFailedPut(t *testing.T, s storage.Store) {
	// Small (one request) and large (multipart) writes that fail midway.
	for _, after := range []int64{1000, 12 << 20} {
		key := fmt.Sprintf("broken/%d", after)
		err := s.Put(t.Context(), key, &failingReader{r: newPattern(after * 2), after: after})
		if err == nil {
			t.Fatalf("Put of a failing reader (%d bytes) succeeded", after)
		}
		if _, err := s.Stat(t.Context(), key); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after failed Put of %d bytes, Stat = %v; want nothing there", after, err)
		}
	}
	// And one cancelled halfway.
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	go func() {
		pw.Write(make([]byte, 1000))
		cancel()
		pw.CloseWithError(context.Canceled)
	}()
	if err := s.Put(ctx, "broken/cancelled", pr); err == nil {
		t.Error("cancelled Put succeeded")
	}
	if got := keys(t, s, ""); len(got) != 0 {
		t.Errorf("failed writes left %v", got)
	}
}

func testAtomicPut(t *testing.T, s storage.Store) {
	put(t, s, "atomic", "old contents")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.Put(t.Context(), "atomic", pr) }()
	pw.Write([]byte("new contents, first half; "))
	// While the new version is half written, readers see the old one whole.
	for range 3 {
		if got := get(t, s, "atomic"); got != "old contents" {
			t.Fatalf("during Put, Get = %q", got)
		}
		if got := keys(t, s, ""); !reflect.DeepEqual(got, []string{"atomic"}) {
			t.Fatalf("during Put, List = %v", got)
		}
	}
	pw.Write([]byte("second half"))
	pw.Close()
	must(t, <-done)
	if got := get(t, s, "atomic"); got != "new contents, first half; second half" {
		t.Errorf("after Put, Get = %q", got)
	}
}

func swapper(t *testing.T, s storage.Store) storage.Swapper {
	sw, ok := s.(storage.Swapper)
	if !ok {
		t.Fatalf("%T does not compare and swap: leases and journals need it", s)
	}
	return sw
}

// A conditional create wins once; a replace needs the version read; a
// stale version loses and writes nothing.
func testSwapCreatesOnce(t *testing.T, s storage.Store) {
	sw, ctx := swapper(t, s), t.Context()
	if _, _, err := sw.ReadVersion(ctx, "lease"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing object: %v", err)
	}
	v1, err := sw.PutIf(ctx, "lease", []byte("one"), "")
	must(t, err)
	if _, err := sw.PutIf(ctx, "lease", []byte("two"), ""); !errors.Is(err, storage.ErrPrecondition) {
		t.Fatalf("second create: %v, want ErrPrecondition", err)
	}
	data, v, err := sw.ReadVersion(ctx, "lease")
	if err != nil || string(data) != "one" || v != v1 {
		t.Fatalf("read %q %q %v, want one %q", data, v, err, v1)
	}
	v2, err := sw.PutIf(ctx, "lease", []byte("three"), v1)
	must(t, err)
	if _, err := sw.PutIf(ctx, "lease", []byte("four"), v1); !errors.Is(err, storage.ErrPrecondition) {
		t.Fatalf("replace with a stale version: %v, want ErrPrecondition", err)
	}
	if data, v, _ := sw.ReadVersion(ctx, "lease"); string(data) != "three" || v != v2 {
		t.Fatalf("after the stale replace: %q %q", data, v)
	}
}

// Writers racing from one version: exactly one wins.
func testSwapRace(t *testing.T, s storage.Store) {
	sw, ctx := swapper(t, s), t.Context()
	v0, err := sw.PutIf(ctx, "race", []byte("start"), "")
	must(t, err)
	const writers = 8
	var wg sync.WaitGroup
	var won, lost atomic.Int32
	for i := range writers {
		wg.Go(func() {
			_, err := sw.PutIf(ctx, "race", []byte(fmt.Sprintf("writer %d", i)), v0)
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, storage.ErrPrecondition):
				lost.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != writers-1 {
		t.Errorf("%d writers won, %d lost; want 1 and %d", won.Load(), lost.Load(), writers-1)
	}
}
