package commit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/storage"
)

// Wait is Acquire's answer for a writer that waits its turn, however long.
func Wait(*HeldError) bool { return true }

// LeaseKey is the object of a destination's lease (hidden from readers and
// crawlers: its name starts with _).
const LeaseKey = "_lakectl_lease.json"

// ErrHeld: another writer holds the destination's lease.
var ErrHeld = errors.New("another writer holds this destination")

// ErrLeaseLost: the lease expired and another writer took it; a writer that
// gets this must not commit.
var ErrLeaseLost = errors.New("this writer's lease on the destination was lost")

// lease is what the lease object holds.
type leaseDoc struct {
	Holder string `json:"holder"`
	Host   string `json:"host,omitempty"`
	PID    int    `json:"pid,omitempty"`
	// PIDNS names the holder's process namespace: a pid is only looked
	// up in the namespace it belongs to (containers may share a host name).
	PIDNS    string    `json:"pidns,omitempty"`
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
}

// gone says whether the holder is a process of this machine that no
// longer runs: its lease is free at once, without waiting out its TTL (a
// writer killed outright does not hold up the next run on its machine).
func (d leaseDoc) gone() bool {
	host, _ := os.Hostname()
	if d.Host == "" || d.Host != host || d.PID <= 0 || d.PID == os.Getpid() || d.PIDNS == "" || d.PIDNS != pidNamespace() {
		return false
	}
	return syscall.Kill(d.PID, 0) == syscall.ESRCH
}

// pidNamespace names this process's pid namespace ("" where the system
// does not say).
func pidNamespace() string {
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return ns
}

// HeldError says who holds a lease, and until when at the latest.
type HeldError struct {
	Holder  string
	Expires time.Time
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%v: %s, until %s unless it renews", ErrHeld, e.Holder, e.Expires.UTC().Format(time.RFC3339))
}

func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lease serializes the writers of one destination, across processes and
// machines: one holder at a time. The holder renews it every TTL/3; a
// holder that dies stops renewing, and its lease expires after TTL (clocks
// of the writers' machines must agree to well within TTL).
type Lease struct {
	store  storage.Swapper
	holder string
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	version string
	lost    error
	stop    chan struct{}
	done    chan struct{}
}

// Acquire takes the lease of the destination s for holder (a run id and
// where it runs). While another writer holds it, wait is asked whether to
// wait on (until ctx ends); a nil wait, or one that says no, fails with a
// *HeldError.
func Acquire(ctx context.Context, s storage.Swapper, holder string, ttl time.Duration, wait func(*HeldError) bool) (*Lease, error) {
	l := &Lease{store: s, holder: holder, ttl: ttl, now: time.Now}
	for {
		err := l.try(ctx)
		var held *HeldError
		switch {
		case err == nil:
			l.stop, l.done = make(chan struct{}), make(chan struct{})
			go l.renew()
			return l, nil
		case errors.As(err, &held) && wait != nil && wait(held):
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%w (%v)", err, ctx.Err())
			case <-time.After(min(ttl/4, time.Second)):
			}
		case errors.Is(err, storage.ErrPrecondition):
			// Another writer moved first: look again, after a moment.
			time.Sleep(time.Duration(rand.Int64N(int64(50 * time.Millisecond))))
		default:
			return nil, err
		}
	}
}

// try takes the lease if it is free, released or expired.
func (l *Lease) try(ctx context.Context) error {
	data, version, err := l.store.ReadVersion(ctx, LeaseKey)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		version = ""
	case err != nil:
		return err
	default:
		var cur leaseDoc
		if err := json.Unmarshal(data, &cur); err != nil {
			return fmt.Errorf("lease %s: %w", LeaseKey, err)
		}
		// Held by this writer: a retried write that had gone through.
		if !cur.Released && l.now().Before(cur.Expires) && cur.Holder != l.holder && !cur.gone() {
			return &HeldError{Holder: cur.Holder, Expires: cur.Expires}
		}
	}
	v, err := l.write(ctx, leaseDoc{Holder: l.holder, Expires: l.now().Add(l.ttl)}, version)
	if err != nil {
		return err
	}
	l.version = v
	return nil
}

func (l *Lease) write(ctx context.Context, doc leaseDoc, version string) (string, error) {
	doc.Host, _ = os.Hostname()
	doc.PID = os.Getpid()
	doc.PIDNS = pidNamespace()
	data, _ := json.Marshal(doc)
	return l.store.PutIf(ctx, LeaseKey, data, version)
}

// renew extends the lease every TTL/3 until Release; a renewal that finds
// the lease taken marks it lost.
func (l *Lease) renew() {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		err := l.extend(context.Background())
		lost := errors.Is(err, ErrLeaseLost) // other errors: try again at the next tick; expiry is the bound
		l.mu.Unlock()
		if lost {
			return
		}
	}
}

// Check reports ErrLeaseLost once the lease is no longer this writer's:
// call it right before making anything visible.
func (l *Lease) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	// Renew now: the commit that follows has a whole TTL.
	return l.extend(ctx)
}

// extend renews the lease (l.mu held). A write that finds the lease
// changed looks again before it calls the lease lost: a retried write of
// its own may have gone through.
func (l *Lease) extend(ctx context.Context) error {
	v, err := l.write(ctx, leaseDoc{Holder: l.holder, Expires: l.now().Add(l.ttl)}, l.version)
	if errors.Is(err, storage.ErrPrecondition) {
		data, cur, rerr := l.store.ReadVersion(ctx, LeaseKey)
		var doc leaseDoc
		if rerr == nil && json.Unmarshal(data, &doc) == nil && doc.Holder == l.holder && !doc.Released && l.now().Before(doc.Expires) {
			l.version = cur
			return nil
		}
		l.lost = ErrLeaseLost
		return l.lost
	}
	if err != nil {
		return err
	}
	l.version = v
	return nil
}

// Release gives the lease back, unless it was lost (then the new holder's
// lease is left alone).
func (l *Lease) Release(ctx context.Context) error {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	_, err := l.write(ctx, leaseDoc{Holder: l.holder, Expires: l.now(), Released: true}, l.version)
	if errors.Is(err, storage.ErrPrecondition) {
		return ErrLeaseLost
	}
	return err
}

// LeaseTTL is how long a writer's lease on a destination lasts without a
// renewal: a writer killed outright on another machine holds the
// destination this long (one on the same machine, not at all).
const LeaseTTL = time.Minute

// Take takes the lease of a destination for a run, waiting its turn while
// another writer holds it (waiting, when set, is told once for whom). A
// store that cannot compare and swap has no lease (nil, nil).
func Take(ctx context.Context, dest storage.Store, run string, waiting func(holder string)) (*Lease, error) {
	said := false
	return take(ctx, dest, run, func(h *HeldError) bool {
		if !said && waiting != nil {
			waiting(h.Holder)
			said = true
		}
		return true
	})
}

// TryTake takes the lease of a destination if it is free now; while a
// writer holds it, it fails with a *HeldError (ErrHeld).
func TryTake(ctx context.Context, dest storage.Store, run string) (*Lease, error) {
	return take(ctx, dest, run, nil)
}

func take(ctx context.Context, dest storage.Store, run string, wait func(*HeldError) bool) (*Lease, error) {
	sw, ok := dest.(storage.Swapper)
	if !ok {
		return nil, nil
	}
	host, _ := os.Hostname()
	lease, err := Acquire(ctx, sw, fmt.Sprintf("run %s on %s (pid %d)", run, host, os.Getpid()), LeaseTTL, wait)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dest.URI(""), err)
	}
	return lease, nil
}

// Holder says which writer holds the destination's lease now ("" when it
// is free, released, expired, or its holder is a process of this machine
// that is gone).
func Holder(ctx context.Context, s storage.Store) string {
	sw, ok := s.(storage.Swapper)
	if !ok {
		return ""
	}
	data, _, err := sw.ReadVersion(ctx, LeaseKey)
	if err != nil {
		return ""
	}
	var cur leaseDoc
	if json.Unmarshal(data, &cur) != nil || cur.Released || time.Now().After(cur.Expires) || cur.gone() {
		return ""
	}
	return cur.Holder
}

// A Writer is a run that holds its destination: the lease, and what it
// found there when it began.
type Writer struct {
	lease *Lease
	// Recovered is the run whose unfinished commit this one finished.
	Recovered string
	// Swept are the dead runs whose staging this one removed.
	Swept []string
	stop  func()
}

// Begin starts a writing run of command on dest: it takes the
// destination's lease (waiting its turn; waiting is told for whom),
// finishes a commit a killed writer left, removes dead runs' staging (every
// other run's under the lease, where a live writer would hold it; without
// a lease, runs silent for staleAfter), starts the run's heartbeat, and
// reaches the failpoint COMMAND.leased. End ends it.
func Begin(ctx context.Context, dest storage.Store, cat catalog.Catalog, command, run string, waiting func(holder string), staleAfter time.Duration, fp Failpoint) (*Writer, error) {
	lease, err := Take(ctx, dest, run, waiting)
	if err != nil {
		return nil, err
	}
	return begin(ctx, dest, cat, command, run, lease, staleAfter, fp)
}

// BeginNow is Begin for a run that does not wait its turn: while another
// writer holds the destination it fails at once with a *HeldError
// (ErrHeld), which names the holder.
func BeginNow(ctx context.Context, dest storage.Store, cat catalog.Catalog, command, run string, staleAfter time.Duration, fp Failpoint) (*Writer, error) {
	lease, err := TryTake(ctx, dest, run)
	if err != nil {
		return nil, err
	}
	return begin(ctx, dest, cat, command, run, lease, staleAfter, fp)
}

func begin(ctx context.Context, dest storage.Store, cat catalog.Catalog, command, run string, lease *Lease, staleAfter time.Duration, fp Failpoint) (*Writer, error) {
	var err error
	w := &Writer{lease: lease, stop: func() {}}
	fail := func(err error) (*Writer, error) {
		w.End(ctx)
		return nil, err
	}
	j, err := Recover(ctx, dest, cat, fp)
	if err != nil {
		return fail(err)
	}
	if j != nil {
		w.Recovered = j.Run
	}
	if lease != nil {
		staleAfter = 0
	}
	if w.Swept, err = SweepStaging(ctx, dest, run, time.Now(), staleAfter); err != nil {
		return fail(fmt.Errorf("remove staging left by dead runs: %w", err))
	}
	w.stop = Heartbeat(ctx, dest, run, HeartbeatEvery)
	if err := fp.At(command + ".leased"); err != nil {
		return fail(err)
	}
	return w, nil
}

// Check says whether the run still holds its destination (ErrLeaseLost
// once another writer took it): call it before committing.
func (w *Writer) Check(ctx context.Context) error {
	if w.lease == nil {
		return nil
	}
	return w.lease.Check(ctx)
}

// End stops the heartbeat and gives the lease back.
func (w *Writer) End(ctx context.Context) {
	w.stop()
	if w.lease != nil {
		w.lease.Release(context.WithoutCancel(ctx))
	}
}

// FinishIfFree finishes the destination's unfinished commit if the
// destination's lease is free now (a reader's way to finish it: it does
// not wait for a writer). It returns the commit finished, nil if none.
func FinishIfFree(ctx context.Context, dest storage.Store, cat catalog.Catalog, run string) (*Journal, error) {
	lease, err := TryTake(ctx, dest, run)
	if err != nil {
		return nil, err
	}
	if lease != nil {
		defer lease.Release(context.WithoutCancel(ctx))
	}
	return Recover(ctx, dest, cat, nil)
}
