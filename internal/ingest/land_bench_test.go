package ingest

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
)

// BenchmarkLandLargeFile lands one large file (1 GiB; LAKECTL_BENCH_MIB
// sets another size) every way ingest can, beside the disk's own copy of
// it (cp, and dd with fsync, as the local store syncs what it writes):
// MB/s, and the peak resident memory of this process (reset before each
// case; cp and dd hold a buffer of 128 KiB and 1 MiB). The *-minio cases
// need MinIO (scripts/with-services.sh).
//
//	file-to-local   Local.Fetch, the local file source (SHA-256 computed)
//	http-to-local   HTTPSource.Fetch from a loopback web server sending
//	                the file (sendfile), with Content-MD5 checked
//	sdk-put-to-minio  the S3 store's Put of the file alone (the SDK's
//	                upload manager, nothing checked): the floor for MinIO
//	file-to-minio, http-to-minio   the same into an S3 store
//	minio-to-local  S3Source.Fetch streamed, MD5 checked against the ETag
//	minio-to-minio  S3Source.Fetch copied server side
func BenchmarkLandLargeFile(b *testing.B) {
	size := int64(1 << 30)
	if v := os.Getenv("LAKECTL_BENCH_MIB"); v != "" {
		mib, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("LAKECTL_BENCH_MIB=%q: want a whole number", v)
		}
		size = int64(mib) << 20
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "big.bin")
	md5sum := writeRandomFile(b, path, size)
	out, err := local.New(filepath.Join(dir, "out"))
	if err != nil {
		b.Fatal(err)
	}

	for _, tool := range [][]string{{"cp", path}, {"dd", "if=" + path, "bs=1M", "conv=fsync", "status=none"}} {
		b.Run(tool[0], func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				dst := filepath.Join(dir, "copy")
				args := append(tool[1:], dst)
				if tool[0] == "dd" {
					args = append(tool[1:], "of="+dst)
				}
				if msg, err := exec.Command(tool[0], args...).CombinedOutput(); err != nil {
					b.Fatalf("%s: %v: %s", tool[0], err, msg)
				}
				b.StopTimer()
				os.Remove(dst)
				b.StartTimer()
			}
		})
	}

	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-MD5", md5sum)
		http.ServeFile(w, r, path)
	}))
	defer web.Close()
	webSource, err := NewHTTPSource([]string{web.URL + "/big.bin"}, HTTPOptions{})
	if err != nil {
		b.Fatal(err)
	}
	webFile := RemoteFile{URI: web.URL + "/big.bin", Rel: "big.bin", Size: -1}
	disk, err := NewLocal(path)
	if err != nil {
		b.Fatal(err)
	}
	diskFile := RemoteFile{URI: "file://" + filepath.ToSlash(path), Rel: "big.bin", Size: size}
	fromFile := func(ctx context.Context, dst storage.Store, key string) (*Fetched, error) {
		return disk.Fetch(ctx, diskFile, nil, dst, key)
	}
	fromWeb := func(ctx context.Context, dst storage.Store, key string) (*Fetched, error) {
		return webSource.Fetch(ctx, webFile, nil, dst, key)
	}
	b.Run("file-to-local", func(b *testing.B) { benchLand(b, size, out, fromFile) })
	b.Run("http-to-local", func(b *testing.B) { benchLand(b, size, out, fromWeb) })

	minio := func(b *testing.B) (*lakes3.Store, *S3Source, RemoteFile) {
		srv := s3test.Require(b)
		srv.Setenv(b)
		bucket := srv.NewBucket(b)
		opts := lakes3.Options{Endpoint: srv.Endpoint}
		s, err := lakes3.Open(b.Context(), bucket, "", opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Stat(b.Context(), "src/big.bin"); err != nil {
			if _, err := fromFile(b.Context(), s, "src/big.bin"); err != nil {
				b.Fatal(err)
			}
		}
		src, err := NewS3Source(b.Context(), "s3://"+bucket+"/src/big.bin", opts)
		if err != nil {
			b.Fatal(err)
		}
		for f, err := range src.List(b.Context()) {
			if err != nil {
				b.Fatal(err)
			}
			return s, src, f
		}
		b.Fatal("the object is not listed")
		return nil, nil, RemoteFile{}
	}
	b.Run("sdk-put-to-minio", func(b *testing.B) {
		s, _, _ := minio(b)
		benchLand(b, size, s, func(ctx context.Context, dst storage.Store, key string) (*Fetched, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return &Fetched{Size: size}, dst.Put(ctx, key, struct{ io.Reader }{f})
		})
	})
	b.Run("file-to-minio", func(b *testing.B) {
		s, _, _ := minio(b)
		benchLand(b, size, s, fromFile)
	})
	b.Run("http-to-minio", func(b *testing.B) {
		s, _, _ := minio(b)
		benchLand(b, size, s, fromWeb)
	})
	b.Run("minio-to-local", func(b *testing.B) {
		_, src, f := minio(b)
		benchLand(b, size, out, func(ctx context.Context, dst storage.Store, key string) (*Fetched, error) {
			return src.Fetch(ctx, f, nil, dst, key)
		})
	})
	b.Run("minio-to-minio", func(b *testing.B) {
		s, src, f := minio(b)
		benchLand(b, size, s, func(ctx context.Context, dst storage.Store, key string) (*Fetched, error) {
			return src.Fetch(ctx, f, nil, dst, key)
		})
	})
}

// benchLand lands the file into dst with fetch once an iteration, and
// reports the process's peak resident memory meanwhile.
func benchLand(b *testing.B, size int64, dst storage.Store, fetch func(context.Context, storage.Store, string) (*Fetched, error)) {
	b.SetBytes(size)
	resetPeakRSS(b)
	for b.Loop() {
		got, err := fetch(b.Context(), dst, "landed/big.bin")
		if err != nil {
			b.Fatal(err)
		}
		if got.Size != size {
			b.Fatalf("landed %d bytes of %d", got.Size, size)
		}
		b.StopTimer()
		if err := dst.Delete(b.Context(), "landed/big.bin"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
}

// writeRandomFile writes size random bytes to path and returns their MD5
// as Content-MD5 has it.
func writeRandomFile(b *testing.B, path string, size int64) string {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	h := md5.New()
	if _, err := io.CopyN(io.MultiWriter(w, h), rand.NewChaCha8([32]byte{42}), size); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// resetPeakRSS starts the kernel's count of the process's peak resident
// memory (VmHWM) afresh.
func resetPeakRSS(b *testing.B) {
	debug.FreeOSMemory() // what earlier cases left
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("peak RSS not reset: %v", err)
	}
}

// peakRSS is the process's peak resident memory in bytes (VmHWM).
func peakRSS(b *testing.B) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kib int64
			fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib)
			return kib << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
