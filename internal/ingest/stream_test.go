package ingest

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/storage/local"
)

// Bytes fewer or more than the source announced fail the landing, and
// the store keeps nothing.
func TestLandChecksTheAnnouncedSize(t *testing.T) {
	dst, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{9, 11} {
		_, err := landStream(t.Context(), dst, "f", strings.NewReader("0123456789"), announced{size: size})
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("announced %d, sent 10: %v, want ErrMismatch", size, err)
		}
		if _, err := dst.Stat(t.Context(), "f"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("announced %d, sent 10: something landed (%v)", size, err)
		}
	}
	got, err := landStream(t.Context(), dst, "f", strings.NewReader("0123456789"), announced{size: 10, md5: "781e5e245d69b566979b86e28d23f2c7"})
	if err != nil || got.Size != 10 || got.MD5 != "781e5e245d69b566979b86e28d23f2c7" ||
		got.SHA256 != "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882" {
		t.Errorf("Fetched %+v (%v)", got, err)
	}
}
