package commit

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/storage"
	"github.com/lakectl/lakectl/internal/storage/local"
	lakes3 "github.com/lakectl/lakectl/internal/storage/s3"
	"github.com/lakectl/lakectl/internal/storage/s3/s3test"
)

// The lease behaves the same on every store that compares and swaps.
func TestLease(t *testing.T) {
	stores := map[string]func(t *testing.T) storage.Swapper{
		"local": func(t *testing.T) storage.Swapper {
			s, err := local.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"minio": func(t *testing.T) storage.Swapper {
			srv := s3test.Require(t)
			srv.Setenv(t)
			s, err := lakes3.Open(t.Context(), srv.NewBucket(t), "dest", lakes3.Options{Endpoint: srv.Endpoint})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Run("Exclusive", func(t *testing.T) { testLeaseExclusive(t, open(t)) })
			t.Run("Expires", func(t *testing.T) { testLeaseExpires(t, open(t)) })
			t.Run("Waits", func(t *testing.T) { testLeaseWaits(t, open(t)) })
			t.Run("Race", func(t *testing.T) { testLeaseRace(t, open(t)) })
		})
	}
}

func testLeaseExclusive(t *testing.T, s storage.Swapper) {
	ctx := t.Context()
	a, err := Acquire(ctx, s, "run-a", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	var held *HeldError
	if _, err := Acquire(ctx, s, "run-b", time.Minute, nil); !errors.As(err, &held) || held.Holder != "run-a" {
		t.Fatalf("a second writer: %v, want held by run-a", err)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatalf("the holder's check: %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := Acquire(ctx, s, "run-b", time.Minute, nil)
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	b.Release(ctx)
}

// A holder that dies stops renewing: its lease expires, the next writer
// takes it, and the dead holder, should it wake, can neither commit nor
// release the new holder's lease.
func testLeaseExpires(t *testing.T, s storage.Swapper) {
	ctx := t.Context()
	a, err := Acquire(ctx, s, "run-a", 300*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	close(a.stop) // as if killed: no more renewals
	<-a.done
	time.Sleep(400 * time.Millisecond)
	b, err := Acquire(ctx, s, "run-b", time.Minute, nil)
	if err != nil {
		t.Fatalf("an expired lease: %v", err)
	}
	a.stop, a.done = make(chan struct{}), make(chan struct{})
	close(a.done)
	if err := a.Check(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("the dead holder's check: %v, want ErrLeaseLost", err)
	}
	if err := a.Release(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("the dead holder's release: %v, want ErrLeaseLost", err)
	}
	data, _, _ := s.ReadVersion(ctx, LeaseKey)
	var doc leaseDoc
	json.Unmarshal(data, &doc)
	if doc.Holder != "run-b" || doc.Released {
		t.Errorf("the lease after the dead holder woke: %+v", doc)
	}
	b.Release(ctx)
}

// A renewing holder keeps its lease past the TTL; a waiting writer gets it
// once released.
func testLeaseWaits(t *testing.T, s storage.Swapper) {
	ctx := t.Context()
	a, err := Acquire(ctx, s, "run-a", time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		b, err := Acquire(ctx, s, "run-b", time.Minute, Wait)
		if err == nil {
			err = b.Release(ctx)
		}
		got <- err
	}()
	time.Sleep(2500 * time.Millisecond) // over two TTLs: renewals keep it
	select {
	case err := <-got:
		t.Fatalf("the waiting writer got the lease while it was held: %v", err)
	default:
	}
	if err := a.Check(ctx); err != nil {
		t.Fatalf("the renewing holder lost its lease: %v", err)
	}
	a.Release(ctx)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting writer never got the released lease")
	}
	// Waiting ends with the context.
	c, err := Acquire(ctx, s, "run-c", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := Acquire(short, s, "run-d", time.Minute, Wait); !errors.Is(err, ErrHeld) {
		t.Errorf("waiting past the context: %v", err)
	}
	c.Release(ctx)
}

// Writers racing for a free destination: exactly one holds it.
func testLeaseRace(t *testing.T, s storage.Swapper) {
	ctx := t.Context()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var holders []*Lease
	for i := range 6 {
		wg.Go(func() {
			l, err := Acquire(ctx, s, "run-"+string(rune('a'+i)), time.Minute, nil)
			if err == nil {
				mu.Lock()
				holders = append(holders, l)
				mu.Unlock()
			} else if !errors.Is(err, ErrHeld) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(holders) != 1 {
		t.Errorf("%d writers hold the lease", len(holders))
	}
	for _, l := range holders {
		l.Release(ctx)
	}
}

// A holder on this machine that no longer runs (killed outright) frees
// the lease at once, without waiting out its TTL.
func TestLeaseOfADeadProcessIsFree(t *testing.T) {
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	doc, _ := json.Marshal(leaseDoc{Holder: "run killed", Host: host, PID: dead.Process.Pid, PIDNS: pidNamespace(), Expires: time.Now().Add(time.Hour)})
	if _, err := s.PutIf(t.Context(), LeaseKey, doc, ""); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(t.Context(), s, "run next", time.Minute, nil)
	if err != nil {
		t.Fatalf("the lease of a dead process: %v", err)
	}
	l.Release(t.Context())
	// A live holder on this machine keeps it.
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer live.Process.Kill()
	_, v, _ := s.ReadVersion(t.Context(), LeaseKey)
	doc, _ = json.Marshal(leaseDoc{Holder: "run alive", Host: host, PID: live.Process.Pid, PIDNS: pidNamespace(), Expires: time.Now().Add(time.Hour)})
	if _, err := s.PutIf(t.Context(), LeaseKey, doc, v); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(t.Context(), s, "run next", time.Minute, nil); !errors.Is(err, ErrHeld) {
		t.Errorf("the lease of a live process: %v, want ErrHeld", err)
	}
	// A pid of another process namespace (a container with the same host
	// name) is not looked up here: its lease holds until it expires.
	_, v, _ = s.ReadVersion(t.Context(), LeaseKey)
	doc, _ = json.Marshal(leaseDoc{Holder: "run in a container", Host: host, PID: dead.Process.Pid, PIDNS: "pid:[1]", Expires: time.Now().Add(time.Hour)})
	if _, err := s.PutIf(t.Context(), LeaseKey, doc, v); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(t.Context(), s, "run next", time.Minute, nil); !errors.Is(err, ErrHeld) {
		t.Errorf("the lease of another pid namespace: %v, want ErrHeld", err)
	}
}
