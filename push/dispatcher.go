package push

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/store"
)

// The dispatcher is split by job: this file holds its options and lifecycle (start, stop,
// wake, the poll loop and the workers); dispatcher_job.go runs one claimed job;
// dispatcher_batch.go accounts for batches and checkpoints them; dispatcher_send.go sends one
// push; inflight.go bounds how many are on the wire.

// MaxTTL is the longest a push service is asked to keep an undelivered push; services cap it
// around four weeks anyway.
const MaxTTL = 28 * 24 * time.Hour

// DispatcherOptions tune the fan-out. The zero value is production.
type DispatcherOptions struct {
	// Owner names this dispatcher in leases; default a random name.
	Owner string
	// Workers is how many pushes are in flight at most. Push services answer in tens to
	// hundreds of milliseconds, so throughput is the pushes in flight divided by that time
	// (HTTP/2 multiplexes them over a few connections).
	Workers int
	// Batch is how many subscriptions are read, sent and checkpointed together. A crash
	// re-sends at most Batch × Pipeline pushes.
	Batch int
	// Pipeline is how many batches may be in flight at once, so that the slowest answers of
	// one batch do not leave the workers idle; checkpoints stay in order.
	Pipeline int
	// Lease is how long a claimed job stays ours without renewal; a crashed dispatcher's job is
	// taken over this long after its last renewal. Renewed every Lease/3.
	Lease time.Duration
	// Poll is how often to look for new jobs.
	Poll time.Duration
	// MaxRetries bounds the pushes waiting for a retry per job (they are part of every
	// checkpoint); while it is full the walk pauses and retries are worked off.
	MaxRetries int
	// SendTimeout bounds one push.
	SendTimeout time.Duration
	// RetryBase is the first backoff after a failure without Retry-After; it doubles per
	// attempt, with jitter, up to RetryMax.
	RetryBase, RetryMax time.Duration
	// Drain is how long stopping waits for the pushes in flight to be answered; those still
	// unanswered then are kept as retries for whoever works the job next. The default stays
	// inside the server's 10-second shutdown.
	Drain time.Duration
	// Now is the clock of leases, deadlines, TTLs, backoff and the heartbeat.
	Now func() time.Time
	// Outcome, if set, is told what became of every push (metrics): sent, gone, failed, retry.
	Outcome func(outcome string)
	// JobDone, if set, is told how long each finished job took from its first claim (metrics).
	JobDone func(took time.Duration)
}

func (o *DispatcherOptions) defaults() {
	if o.Owner == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		o.Owner = "dispatcher-" + hex.EncodeToString(b)
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Pipeline <= 0 {
		o.Pipeline = 3
	}
	if o.Workers <= 0 {
		o.Workers = o.Batch * o.Pipeline
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 5000
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 20 * time.Second
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 5 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Minute
	}
	if o.Drain <= 0 {
		o.Drain = 6 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Dispatcher works delivery jobs: it claims one with a lease, walks the matching
// subscriptions in batches, sends through a bounded pool of workers and one shared HTTP
// client, and checkpoints position, counters and pending retries after each batch. Several
// dispatchers (in one process or on several servers sharing a database) never work the same
// job at once.
type Dispatcher struct {
	svc   *Service
	o     DispatcherOptions
	tasks chan *task
	wake  chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}

	// onWork, if set, is told when this dispatcher starts and stops working a job (tests).
	onWork func(jobID string, working bool)
	// lastErrLog is when a database error was last logged, in Unix nanoseconds: repeated
	// ones are limited to a line a minute.
	lastErrLog atomic.Int64
	// heartbeat is when the loop or a working job last showed life, in Unix nanoseconds.
	heartbeat atomic.Int64
	// inflight bounds the pushes on the wire, between 64 and Workers, by the answer time.
	inflight *inflightLimit
}

// NewDispatcher builds a dispatcher for s.
func (s *Service) NewDispatcher(o DispatcherOptions) *Dispatcher {
	o.defaults()
	return &Dispatcher{svc: s, o: o, wake: make(chan struct{}, 1), inflight: newInflightLimit(64, o.Workers)}
}

// Alive reports whether the dispatcher has shown life within maxAge: its poll loop ticks every
// Poll, and a job in progress renews its lease every Lease/3. /readyz uses it.
func (d *Dispatcher) Alive(maxAge time.Duration) bool {
	return d.o.Now().Sub(time.Unix(0, d.heartbeat.Load())) < maxAge
}

func (d *Dispatcher) beat() { d.heartbeat.Store(d.o.Now().UnixNano()) }

// Start runs the dispatcher in the background until ctx ends or Stop is called.
func (d *Dispatcher) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	d.mu.Lock()
	d.cancel, d.done = cancel, done
	d.mu.Unlock()
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
}

// Stop ends the dispatcher and waits for it. It stops claiming, waits up to Drain for the
// pushes in flight, checkpoints what was answered and releases the lease, so that another
// dispatcher goes on at once and re-sends only what was still unanswered.
func (d *Dispatcher) Stop() {
	d.mu.Lock()
	cancel, done := d.cancel, d.done
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Wake makes the dispatcher look for work now instead of at the next poll.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run works jobs until ctx ends, then drains the job in hand as Stop describes.
func (d *Dispatcher) Run(ctx context.Context) {
	stopWorkers := d.startWorkers()
	defer stopWorkers()
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	for {
		d.beat()
		d.workAvailable(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.wake:
		}
	}
}

// startWorkers starts the pool that sends pushes and the in-flight window's clock; the
// function it returns stops both once every task handed to them is done.
func (d *Dispatcher) startWorkers() (stop func()) {
	d.tasks = make(chan *task, d.o.Workers)
	var workers sync.WaitGroup
	for range d.o.Workers {
		workers.Go(func() {
			for t := range d.tasks {
				o := d.send(t)
				if d.o.Outcome != nil && o.kind != outAborted {
					d.o.Outcome(o.kind.String())
				}
				t.batch.record(t, o)
			}
		})
	}
	ticking := make(chan struct{})
	workers.Go(func() {
		t := time.NewTicker(inflightPeriod)
		defer t.Stop()
		for {
			select {
			case <-ticking:
				return
			case <-t.C:
				d.inflight.tick()
			}
		}
	})
	return func() {
		close(d.tasks)
		close(ticking)
		workers.Wait()
	}
}

// workAvailable claims and works jobs one after another until none is due or ctx ends.
func (d *Dispatcher) workAvailable(ctx context.Context) {
	for ctx.Err() == nil {
		job, err := d.svc.store.ClaimDelivery(ctx, d.o.Owner, d.o.Lease)
		if errors.Is(err, store.ErrNotFound) || ctx.Err() != nil {
			return
		}
		if err != nil {
			d.logDBError("claiming a delivery job", err)
			return
		}
		d.work(ctx, job)
	}
}

func (d *Dispatcher) logDBError(what string, err error) {
	now := d.o.Now().UnixNano()
	last := d.lastErrLog.Load()
	if time.Duration(now-last) > time.Minute && d.lastErrLog.CompareAndSwap(last, now) {
		d.svc.log.Warn("push: "+what, "err", err)
	}
}
