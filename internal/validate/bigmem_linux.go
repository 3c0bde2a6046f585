package validate

import (
	"syscall"
	"unsafe"
)

// hugeMin: tables at least this large are mapped apart from the Go heap
// and backed by transparent huge pages where the kernel offers them. A key
// table is probed at random: with 4 KiB pages nearly every probe of a
// table of hundreds of MiB also misses the TLB, which costs more than the
// probe itself (a 10M-row compare spent 7 s of CPU in lookups; with huge
// pages, see docs/performance.md).
const hugeMin = 2 << 20

// allocRecs returns n zeroed rows; release gives them back.
func allocRecs(n int) []rowRec {
	size := n * int(unsafe.Sizeof(rowRec{}))
	if size < hugeMin {
		return make([]rowRec, n)
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]rowRec, n)
	}
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // refused: plain pages
	return unsafe.Slice((*rowRec)(unsafe.Pointer(&b[0])), n)
}

func releaseRecs(r []rowRec) {
	size := len(r) * int(unsafe.Sizeof(rowRec{}))
	if size < hugeMin {
		return
	}
	_ = syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(&r[0])), size))
}
