package push

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// MaxTTL is the longest a push service is asked to keep an undelivered push; services cap it
// around four weeks anyway.
const MaxTTL = 28 * 24 * time.Hour

// DispatcherOptions tune the fan-out. The zero value is production.
type DispatcherOptions struct {
	// Owner names this dispatcher in leases; default a random name.
	Owner string
	// Workers is how many pushes are in flight at most. Push services answer in tens to
	// hundreds of milliseconds, so throughput is Workers / latency: 1000 in flight at 100 ms
	// is 10,000 a second (HTTP/2 multiplexes them over a few connections).
	Workers int
	// Batch is how many subscriptions are read, sent and checkpointed together. A crash
	// re-sends at most Batch × Pipeline pushes.
	Batch int
	// Pipeline is how many batches may be in flight at once, so that the slowest answers of
	// one batch do not leave the workers idle; checkpoints stay in order. Three, not two:
	// against a push service answering in 100 ms, 1,500 pushes in flight keep this machine's
	// two cores busy where 1,000 left a fifth of their time idle (go run ./cmd/pushbench
	// -delays 100ms -pipeline 2|3: 5,500 against 6,400–6,700 a second).
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
	Now                 func() time.Time
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
	// errLog limits repeated database errors from the poll loop to one line a minute.
	lastErrLog time.Time
	// heartbeat is when the loop or a working job last showed life, in Unix nanoseconds.
	heartbeat atomic.Int64
	// inflight bounds the pushes on the wire, between 64 and Workers, by the answer time.
	inflight *inflightLimit
}

// Alive reports whether the dispatcher has shown life within maxAge: its poll loop ticks every
// Poll, and a job in progress renews its lease every Lease/3. /readyz uses it.
func (d *Dispatcher) Alive(maxAge time.Duration) bool {
	return time.Since(time.Unix(0, d.heartbeat.Load())) < maxAge
}

var outcomeNames = [...]string{outSent: "sent", outGone: "gone", outFailed: "failed", outRetry: "retry", outAborted: "aborted"}

// NewDispatcher builds a dispatcher for s.
func (s *Service) NewDispatcher(o DispatcherOptions) *Dispatcher {
	o.defaults()
	return &Dispatcher{svc: s, o: o, wake: make(chan struct{}, 1), inflight: newInflightLimit(64, o.Workers)}
}

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

// Stop ends the dispatcher and waits for it: pushes in flight are abandoned (they are resent
// from the last checkpoint) and the lease is released so another dispatcher can go on at once.
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

// Run works jobs until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	d.tasks = make(chan *task, d.o.Workers)
	var workers sync.WaitGroup
	for range d.o.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for t := range d.tasks {
				o := d.send(t)
				if d.o.Outcome != nil && o.kind != outAborted {
					d.o.Outcome(outcomeNames[o.kind])
				}
				t.batch.record(t, o)
			}
		}()
	}
	defer func() {
		close(d.tasks)
		workers.Wait()
	}()
	go func() {
		t := time.NewTicker(inflightPeriod)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				d.inflight.tick()
			}
		}
	}()
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	for {
		d.heartbeat.Store(time.Now().UnixNano())
		for ctx.Err() == nil {
			job, err := d.svc.store.ClaimDelivery(ctx, d.o.Owner, d.o.Lease)
			if errors.Is(err, store.ErrNotFound) || ctx.Err() != nil {
				break
			}
			if err != nil {
				d.logDBError("claiming a delivery job", err)
				break
			}
			d.work(ctx, job)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.wake:
		}
	}
}

func (d *Dispatcher) logDBError(what string, err error) {
	if now := time.Now(); now.Sub(d.lastErrLog) > time.Minute {
		d.lastErrLog = now
		d.svc.log.Warn("push: "+what, "err", err)
	}
}

// jobRun is one claim of a job: what every push of it shares.
type jobRun struct {
	d        *Dispatcher
	job      *store.Delivery
	ctx      context.Context
	payloads map[string][2][]byte // lang -> [detailed, discreet]
	deadline time.Time
	topic    string
	urgency  string // RFC 8030 Urgency header
	// pending are retries not in flight; inflight batches hold the ones they took.
	pending  []store.DeliveryRetry
	inflight []*batch
	refused  [600]atomic.Int64 // final refusals by status, for the end-of-job log
	warned   [600]atomic.Bool
	stopped  bool
	// writeMu serialises this dispatcher's writes to the job: an engine may apply an update by
	// rewriting the whole record it read (FerretDB, which the MongoDB engine's tests run on),
	// so a lease renewal racing a checkpoint could otherwise put the previous checkpoint back.
	writeMu  sync.Mutex
	released bool // the lease was given back; nothing to renew
}

// stopWorking tells the test hook that this dispatcher no longer works the job; called before
// the lease is released, so that an overlap seen by the hook is a real one.
func (r *jobRun) stopWorking() {
	if !r.stopped && r.d.onWork != nil {
		r.d.onWork(r.job.ID, false)
	}
	r.stopped = true
}

// work runs one claimed job until it is done, waits for retries, or ctx ends.
func (d *Dispatcher) work(ctx context.Context, job *store.Delivery) {
	if d.onWork != nil {
		d.onWork(job.ID, true)
	}
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &jobRun{d: d, job: job, ctx: jctx, pending: job.Retries}
	defer r.stopWorking()
	var renewals sync.WaitGroup
	renewals.Add(1)
	go func() {
		defer renewals.Done()
		d.renewLease(jctx, cancel, r)
	}()
	defer renewals.Wait()
	defer cancel() // runs before renewals.Wait

	now := d.o.Now()
	if job.Started.IsZero() {
		job.Started = now
	}
	alert, err := d.svc.store.Alert(jctx, job.AlertID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r.finish("alert deleted")
		return
	case err != nil:
		d.logDBError("reading the alert of a delivery job", err)
		r.release(now.Add(d.o.Poll))
		return
	case alert.Version > job.AlertVersion:
		// A newer version has its own job and goes to everyone this one would reach.
		r.finish("superseded by a newer version")
		return
	case !job.Retraction && alert.Status == report.AlertRetracted:
		r.finish("alert retracted")
		return
	}
	r.deadline = alert.Expires
	if limit := job.Created.Add(MaxTTL); limit.Before(r.deadline) {
		r.deadline = limit
	}
	if !now.Before(r.deadline) {
		r.finish("alert expired")
		return
	}
	r.topic = d.svc.topic(alert.ID)
	r.urgency = urgency(alert.Severity)
	r.payloads = map[string][2][]byte{}
	for _, lang := range report.Languages {
		r.payloads[lang] = [2][]byte{
			buildPayload(alert, job.Retraction, false, lang, d.svc.baseURL),
			buildPayload(alert, job.Retraction, true, lang, d.svc.baseURL),
		}
	}
	r.run(store.SubscriptionMatch{Kind: alert.Kind, Areas: alert.Areas, Severity: alert.Severity})
}

// renewLease keeps the lease alive while the job is worked; if another dispatcher has taken
// it (this one was paused longer than the lease), the job is abandoned at once.
func (d *Dispatcher) renewLease(ctx context.Context, cancel context.CancelFunc, r *jobRun) {
	id := r.job.ID
	t := time.NewTicker(d.o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.heartbeat.Store(time.Now().UnixNano())
		r.writeMu.Lock()
		if r.released {
			r.writeMu.Unlock()
			return
		}
		err := d.svc.store.RenewDeliveryLease(ctx, id, d.o.Owner, d.o.Lease)
		r.writeMu.Unlock()
		if errors.Is(err, store.ErrLeaseLost) {
			d.svc.log.Warn("push: lost the lease on a delivery job; another dispatcher has it", "job", id)
			cancel()
			return
		}
		if err != nil && ctx.Err() == nil {
			d.logDBError("renewing a delivery lease", err)
		}
	}
}

func (r *jobRun) run(m store.SubscriptionMatch) {
	d, job := r.d, r.job
	var batches <-chan walkBatch
	if !job.Walked {
		if job.Total < 0 && job.Position.After == "" {
			if n, ok, err := d.svc.store.MatchingSubscriptionsTotal(r.ctx, m); err == nil && ok {
				job.Total = n
			}
		}
		walk, err := d.svc.store.WalkSubscriptions(r.ctx, m, job.Position)
		if err != nil {
			d.logDBError("reading subscriptions", err)
			r.release(d.o.Now().Add(d.o.Poll))
			return
		}
		batches = r.prefetch(walk)
	}
	walkEnded := job.Walked
	for {
		if r.ctx.Err() != nil {
			// Wait for the pushes in flight (cancelled, they end at once) before giving the job
			// back, so that nobody resends them while they are still going out.
			r.drainAndRelease(d.o.Now())
			return
		}
		if len(r.inflight) >= d.o.Pipeline {
			if !r.commit() {
				return
			}
			continue
		}
		now := d.o.Now()
		due := r.takeDue(now)
		var subs []store.Subscription
		if !walkEnded && r.retryCount() <= d.o.MaxRetries {
			var b walkBatch
			var got bool
			if len(r.inflight) == 0 {
				b, got = <-batches, true // nothing else to do: wait for the database
			} else {
				// Whichever comes first: the next batch (send it too) or the end of the oldest
				// one in flight (commit it). Waiting for either alone would leave the workers
				// idle while the other was ready.
				select {
				case b = <-batches:
					got = true
				case <-r.inflight[0].done:
				}
			}
			if got {
				if b.err != nil {
					if r.ctx.Err() == nil {
						d.logDBError("reading subscriptions", b.err)
					}
					r.drainAndRelease(now.Add(d.o.Poll))
					return
				}
				subs = b.subs
				walkEnded = len(subs) == 0
			}
		}
		if len(subs) > 0 || len(due) > 0 {
			r.dispatch(subs, due)
			continue
		}
		if len(r.inflight) > 0 {
			if !r.commit() {
				return
			}
			continue
		}
		if !walkEnded && r.retryCount() <= d.o.MaxRetries {
			continue // the next batch is on its way
		}
		// Nothing in flight and nothing to send now.
		if walkEnded {
			if !job.Walked {
				job.Walked = true
				if job.Total < 0 {
					job.Total = job.Reached
				}
			}
			if len(r.pending) == 0 {
				r.finish("")
				return
			}
			// Only retries remain: let the job go until the first is due, so that this
			// dispatcher (or another) works other jobs meanwhile.
			r.release(r.firstDue())
			return
		}
		// The walk is paused because the retry set is full: wait for the first retry.
		select {
		case <-r.ctx.Done():
		case <-time.After(time.Until(r.firstDue())):
		}
	}
}

// walkBatch is one batch read ahead from the database.
type walkBatch struct {
	subs []store.Subscription
	err  error
}

// prefetch reads the walk one batch ahead in its own goroutine, so that reading the next batch
// overlaps with sending the current ones instead of leaving the workers idle. At most one batch waits, so memory stays bounded.
// The goroutine closes the walk; it ends when the walk does or the job's context is cancelled.
func (r *jobRun) prefetch(walk store.SubscriptionWalk) <-chan walkBatch {
	ch := make(chan walkBatch, 1)
	go func() {
		defer walk.Close(context.WithoutCancel(r.ctx))
		for {
			subs, err := walk.Next(r.ctx, r.d.o.Batch)
			b := walkBatch{subs: subs, err: err}
			select {
			case ch <- b:
			case <-r.ctx.Done():
				return
			}
			if err != nil || len(subs) == 0 {
				return
			}
		}
	}()
	return ch
}

// retryCount is how many retries there could be once the batches in flight are done, if
// every push in them failed; the walk only goes on while one more batch fits under MaxRetries.
func (r *jobRun) retryCount() int {
	n := len(r.pending) + r.d.o.Batch
	for _, b := range r.inflight {
		n += len(b.retried) + len(b.subs)
	}
	return n
}

// takeDue removes the retries that are due from pending, at most one batch of them; pushes
// past the deadline are counted as failed.
func (r *jobRun) takeDue(now time.Time) []store.DeliveryRetry {
	var due []store.DeliveryRetry
	kept := r.pending[:0]
	for _, rt := range r.pending {
		switch {
		case !rt.Next.Before(r.deadline):
			r.job.Failed++
		case !rt.Next.After(now) && len(due) < r.d.o.Batch:
			due = append(due, rt)
		default:
			kept = append(kept, rt)
		}
	}
	r.pending = kept
	return due
}

func (r *jobRun) firstDue() time.Time {
	first := r.deadline
	for _, rt := range r.pending {
		if rt.Next.Before(first) {
			first = rt.Next
		}
	}
	return first
}

// batch is one group of pushes sent together and checkpointed together.
type batch struct {
	run     *jobRun
	subs    []store.Subscription
	retried []store.DeliveryRetry // retries taken from pending, in flight here
	wg      sync.WaitGroup
	done    chan struct{} // closed when every push of the batch has an outcome

	mu         sync.Mutex
	sent, gone int64
	failed     int64
	aborted    bool
	again      []store.DeliveryRetry
}

type task struct {
	batch *batch
	retry store.DeliveryRetry // Attempts is the number of tries before this one
}

func (r *jobRun) dispatch(subs []store.Subscription, due []store.DeliveryRetry) {
	b := &batch{run: r, subs: subs, retried: due, done: make(chan struct{})}
	r.inflight = append(r.inflight, b)
	b.wg.Add(len(subs) + len(due))
	go func() {
		b.wg.Wait()
		close(b.done)
	}()
	for _, s := range subs {
		r.d.tasks <- &task{batch: b, retry: store.DeliveryRetry{SubscriptionID: s.ID, Endpoint: s.Endpoint,
			P256dh: s.P256dh, Auth: s.Auth, Lang: s.Lang, Discreet: s.Discreet}}
	}
	for _, rt := range due {
		r.d.tasks <- &task{batch: b, retry: rt}
	}
}

// outcome is what became of one push.
type outcome struct {
	kind       int // sent, gone, failed, retry, aborted
	retryAfter time.Duration
}

const (
	outSent = iota
	outGone
	outFailed
	outRetry
	outAborted
)

func (b *batch) record(t *task, o outcome) {
	defer b.wg.Done()
	b.mu.Lock()
	defer b.mu.Unlock()
	switch o.kind {
	case outSent:
		b.sent++
	case outGone:
		b.gone++
	case outFailed:
		b.failed++
	case outAborted:
		b.aborted = true
	case outRetry:
		rt := t.retry
		rt.Attempts++
		rt.Next = b.run.d.o.Now().Add(b.run.d.backoff(rt.Attempts, o.retryAfter))
		if !rt.Next.Before(b.run.deadline) {
			b.failed++ // the alert expires before the next try
			return
		}
		b.again = append(b.again, rt)
	}
}

// backoff is how long to wait before try number attempts+1: what the service asked for, or
// exponential with jitter so that many retries do not return in one burst.
func (d *Dispatcher) backoff(attempts int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, d.o.RetryMax)
	}
	wait := d.o.RetryBase << min(attempts-1, 20)
	if wait > d.o.RetryMax || wait <= 0 {
		wait = d.o.RetryMax
	}
	return wait/2 + mrand.N(wait/2+1)
}

// commit waits for the oldest batch in flight and checkpoints it. It returns false when the
// job must stop (cancelled or the lease lost).
func (r *jobRun) commit() bool {
	b := r.inflight[0]
	b.wg.Wait()
	if b.aborted || r.ctx.Err() != nil {
		r.drainAndRelease(r.d.o.Now())
		return false
	}
	r.inflight = r.inflight[1:]
	job := r.job
	job.Sent += b.sent
	job.Gone += b.gone
	job.Failed += b.failed
	job.Reached += int64(len(b.subs))
	r.pending = append(r.pending, b.again...)
	if n := len(b.subs); n > 0 {
		// Walks resume strictly after this id, whether or not it still exists.
		job.Position = store.WalkPosition{After: b.subs[n-1].ID}
	}
	return r.save(r.d.o.Now().Add(r.d.o.Lease))
}

// save checkpoints the job. Retries taken by batches still in flight are written back too, so
// that a crash before those batches are committed does not lose them.
func (r *jobRun) save(leaseUntil time.Time) bool {
	job := r.job
	job.Retries = append([]store.DeliveryRetry(nil), r.pending...)
	for _, b := range r.inflight {
		job.Retries = append(job.Retries, b.retried...)
	}
	job.Retrying = int64(len(job.Retries))
	job.Queued = 0
	if job.Total >= 0 && !job.Walked {
		job.Queued = max(0, job.Total-job.Reached)
	}
	if leaseUntil.IsZero() {
		r.stopWorking()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Second)
	defer cancel()
	r.writeMu.Lock()
	err := r.d.svc.store.SaveDeliveryProgress(ctx, r.d.o.Owner, job, leaseUntil)
	r.released = leaseUntil.IsZero()
	r.writeMu.Unlock()
	if errors.Is(err, store.ErrLeaseLost) {
		r.d.svc.log.Warn("push: lost the lease on a delivery job; another dispatcher has it", "job", job.ID)
		return false
	}
	if err != nil {
		// The batch was sent but not recorded; it will be sent again from the last
		// checkpoint, by us after the lease lapses or by another dispatcher.
		r.d.logDBError("checkpointing a delivery job", err)
		return false
	}
	return true
}

// drainAndRelease waits for pushes in flight (they end quickly once cancelled) and gives the
// job back, due at due, with its last checkpoint.
func (r *jobRun) drainAndRelease(due time.Time) {
	for _, b := range r.inflight {
		b.wg.Wait()
	}
	r.release(due)
}

func (r *jobRun) release(due time.Time) {
	r.job.Due = due
	r.job.State = store.DeliveryRunning
	r.save(time.Time{})
}

func (r *jobRun) finish(note string) {
	job := r.job
	now := r.d.o.Now()
	job.State, job.Note, job.Finished, job.Due = store.DeliveryDone, note, now, now
	// Nothing will retry these any more.
	job.Failed += int64(len(r.pending))
	r.pending = nil
	if job.Total < 0 {
		job.Total = job.Reached
	}
	if r.save(time.Time{}) {
		attrs := []any{"job", job.ID, "matched", job.Total, "sent", job.Sent, "gone", job.Gone,
			"failed", job.Failed, "claims", job.Claims, "took", now.Sub(job.Started).Round(time.Millisecond)}
		if note != "" {
			attrs = append(attrs, "note", note)
		}
		for code := range r.refused {
			if n := r.refused[code].Load(); n > 0 {
				attrs = append(attrs, "refused_"+strconv.Itoa(code), n)
			}
		}
		r.d.svc.log.Info("push: delivery job done", attrs...)
		if r.d.o.JobDone != nil {
			r.d.o.JobDone(now.Sub(job.Started))
		}
	}
}

// send makes one push and says what became of it.
func (d *Dispatcher) send(t *task) outcome {
	r := t.batch.run
	if r.ctx.Err() != nil {
		return outcome{kind: outAborted}
	}
	rt := &t.retry
	ttl := int(time.Until(r.deadline) / time.Second)
	if ttl <= 0 {
		return outcome{kind: outFailed}
	}
	variants, ok := r.payloads[rt.Lang]
	if !ok {
		variants = r.payloads[report.Languages[0]]
	}
	payload := variants[0]
	if rt.Discreet {
		payload = variants[1]
	}
	started := d.inflight.acquire()
	var rtt time.Duration
	defer func() { d.inflight.release(started, rtt) }()
	ctx, cancel := context.WithTimeout(withRTT(r.ctx, &rtt), d.o.SendTimeout)
	defer cancel()
	resp, err := d.svc.sender.Send(ctx, Message{Endpoint: rt.Endpoint, P256dh: rt.P256dh, Auth: rt.Auth,
		Payload: payload, TTL: ttl, Urgency: r.urgency, Topic: r.topic})
	if err != nil {
		if r.ctx.Err() != nil {
			return outcome{kind: outAborted}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return outcome{kind: outRetry} // connection trouble or timeout: the service may recover
		}
		// Anything else failed before a request was made: keys we cannot encrypt for, or a
		// VAPID key we cannot sign with.
		r.refuse(0, "push: cannot encrypt or sign a push", err)
		return outcome{kind: outFailed}
	}
	// Read the (short) body so the connection or stream can be reused, then close it.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 8<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return outcome{kind: outSent}
	case code == http.StatusNotFound || code == http.StatusGone:
		if _, err := d.svc.store.DeleteGoneSubscription(context.WithoutCancel(ctx), rt.Endpoint); err != nil {
			d.logDBError("deleting a gone subscription", err)
		}
		return outcome{kind: outGone}
	case code == http.StatusTooManyRequests || code >= 500:
		return outcome{kind: outRetry, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	case code == http.StatusRequestEntityTooLarge:
		r.refuse(code, "push: payload too large for the push service; this is a bug in the payload size limit", nil)
		return outcome{kind: outFailed}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		r.refuse(code, "push: the push service refused our VAPID credentials; check HEADSUP_VAPID_* (subscriptions made with another key must subscribe again)", nil)
		return outcome{kind: outFailed}
	default:
		r.refuse(code, "push: the push service refused a push", nil)
		return outcome{kind: outFailed}
	}
}

// refuse counts a final refusal and logs its first occurrence per job and status at error
// level: an operator must act, and one line says so without a line per subscriber.
func (r *jobRun) refuse(code int, msg string, err error) {
	r.refused[code].Add(1)
	if r.warned[code].Swap(true) {
		return
	}
	attrs := []any{"job", r.job.ID}
	if code != 0 {
		attrs = append(attrs, "status", code)
	}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	r.d.svc.log.Error(msg, attrs...)
}

// parseRetryAfter reads delta-seconds or an HTTP date; 0 if absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
