package push

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// jobRun is one claim of a job: what every push of it shares, and the batches in flight.
type jobRun struct {
	d   *Dispatcher
	job *store.Delivery
	// stop ends when the dispatcher stops or the lease is lost: no batch is started after it.
	stop context.Context
	// ctx carries the pushes and the database reads. It outlives stop so that pushes in flight
	// can be answered while draining; abort ends it when the lease is lost, at the drain
	// deadline, and when the run is over.
	ctx       context.Context
	abort     context.CancelFunc
	leaseLost atomic.Bool

	payloads map[string][2][]byte // lang -> [detailed, discreet]
	deadline time.Time
	topic    string
	urgency  string // RFC 8030 Urgency header

	walk      <-chan walkBatch
	walkEnded bool
	// pending are retries not in flight; inflight batches hold the ones they took.
	pending  []store.DeliveryRetry
	inflight []*batch
	refusals refusals
	stopped  bool
	// writeMu serialises this dispatcher's writes to the job: an engine may apply an update by
	// rewriting the whole record it read (FerretDB, which the MongoDB engine's tests run on),
	// so a lease renewal racing a checkpoint could otherwise put the previous checkpoint back.
	writeMu  sync.Mutex
	released bool // the lease was given back; nothing to renew
}

// work runs one claimed job until it is done, waits for retries, or the dispatcher stops.
func (d *Dispatcher) work(ctx context.Context, job *store.Delivery) {
	if d.onWork != nil {
		d.onWork(job.ID, true)
	}
	stop, cancelStop := context.WithCancel(ctx)
	sendCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	r := &jobRun{d: d, job: job, stop: stop, ctx: sendCtx, abort: abort, pending: job.Retries}
	defer r.stopWorking()
	var renewals sync.WaitGroup
	renewals.Go(func() { d.renewLease(r, cancelStop) })
	defer renewals.Wait()
	defer abort() // runs before renewals.Wait
	defer cancelStop()

	m, ok := r.prepare()
	if !ok {
		return
	}
	if !r.startWalk(m) {
		return
	}
	for r.stop.Err() == nil {
		if !r.step() {
			return
		}
	}
	r.drain(d.o.Now())
}

// stopWorking tells the test hook that this dispatcher no longer works the job; called before
// the lease is released, so that an overlap seen by the hook is a real one.
func (r *jobRun) stopWorking() {
	if !r.stopped && r.d.onWork != nil {
		r.d.onWork(r.job.ID, false)
	}
	r.stopped = true
}

// renewLease keeps the lease alive while the job is worked, draining included; if another
// dispatcher has taken it (this one was paused longer than the lease), the job is abandoned at
// once.
func (d *Dispatcher) renewLease(r *jobRun, cancelStop context.CancelFunc) {
	id := r.job.ID
	t := time.NewTicker(d.o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		d.beat()
		r.writeMu.Lock()
		if r.released {
			r.writeMu.Unlock()
			return
		}
		err := d.svc.store.RenewDeliveryLease(r.ctx, id, d.o.Owner, d.o.Lease)
		r.writeMu.Unlock()
		if errors.Is(err, store.ErrLeaseLost) {
			d.svc.log.Warn("push: lost the lease on a delivery job; another dispatcher has it", "job", id)
			r.loseLease(cancelStop)
			return
		}
		if err != nil && r.ctx.Err() == nil {
			d.logDBError("renewing a delivery lease", err)
		}
	}
}

// loseLease stops the run and its pushes at once: the job is someone else's now.
func (r *jobRun) loseLease(cancelStop context.CancelFunc) {
	r.leaseLost.Store(true)
	cancelStop()
	r.abort()
}

// prepare reads the job's alert and builds what every push shares. It returns false when the
// job ended (alert gone, superseded, retracted or expired) or was given back.
func (r *jobRun) prepare() (store.SubscriptionMatch, bool) {
	d, job := r.d, r.job
	now := d.o.Now()
	alert, err := d.svc.store.Alert(r.ctx, job.AlertID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r.finish("alert deleted")
		return store.SubscriptionMatch{}, false
	case err != nil:
		d.logDBError("reading the alert of a delivery job", err)
		r.release(now.Add(d.o.Poll))
		return store.SubscriptionMatch{}, false
	case alert.Version > job.AlertVersion:
		// A newer version has its own job and goes to everyone this one would reach.
		r.finish("superseded by a newer version")
		return store.SubscriptionMatch{}, false
	case !job.Retraction && alert.Status == report.AlertRetracted:
		r.finish("alert retracted")
		return store.SubscriptionMatch{}, false
	}
	r.deadline = alert.Expires
	if limit := job.Created.Add(MaxTTL); limit.Before(r.deadline) {
		r.deadline = limit
	}
	if !now.Before(r.deadline) {
		r.finish("alert expired")
		return store.SubscriptionMatch{}, false
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
	return store.SubscriptionMatch{Kind: alert.Kind, Areas: alert.Areas, Severity: alert.Severity}, true
}

// startWalk starts or resumes the walk over the matching subscriptions, unless it is complete
// already. It returns false when the job was given back.
func (r *jobRun) startWalk(m store.SubscriptionMatch) bool {
	d, job := r.d, r.job
	r.walkEnded = job.Walked
	if job.Walked {
		return true
	}
	if job.Total < 0 && job.Position.After == "" {
		if n, ok, err := d.svc.store.MatchingSubscriptionsTotal(r.ctx, m); err == nil && ok {
			job.Total = n
		}
	}
	walk, err := d.svc.store.WalkSubscriptions(r.ctx, m, job.Position)
	if err != nil {
		d.logDBError("reading subscriptions", err)
		r.release(d.o.Now().Add(d.o.Poll))
		return false
	}
	r.walk = r.prefetch(walk)
	return true
}

// step does the next thing the job needs: commit the oldest batch when the pipeline is full or
// nothing else is ready, send the next batch and the retries that are due, or end the run. It
// returns false when the run is over.
func (r *jobRun) step() bool {
	d := r.d
	if len(r.inflight) >= d.o.Pipeline {
		return r.commit()
	}
	subs, err := r.nextBatch()
	if r.stop.Err() != nil {
		return true // drained by the caller; the batch read is read again by whoever resumes
	}
	if err != nil {
		d.logDBError("reading subscriptions", err)
		r.drain(d.o.Now().Add(d.o.Poll))
		return false
	}
	due := r.takeDue(d.o.Now())
	switch {
	case len(subs) > 0 || len(due) > 0:
		r.dispatch(subs, due)
		return true
	case len(r.inflight) > 0:
		return r.commit()
	case r.walkMayGoOn():
		return true // the next batch is on its way
	case r.walkEnded:
		r.endWalk()
		return false
	default:
		r.waitForRetry() // the walk is paused because the retry set is full
		return true
	}
}

// walkMayGoOn reports whether another batch may be read: the walk is not over and one more
// batch fits under MaxRetries should every push in flight fail.
func (r *jobRun) walkMayGoOn() bool {
	return !r.walkEnded && r.retryCount() <= r.d.o.MaxRetries
}

// nextBatch waits for the next batch of the walk, if it may go on. While batches are in
// flight it returns nothing as soon as the oldest of them is done, so that it is committed
// without waiting for the database; waiting for either alone would leave the workers idle
// while the other was ready. It returns nothing at once when the run is stopped.
func (r *jobRun) nextBatch() ([]store.Subscription, error) {
	if !r.walkMayGoOn() {
		return nil, nil
	}
	var oldest <-chan struct{} // nil, never ready, when nothing is in flight
	if len(r.inflight) > 0 {
		oldest = r.inflight[0].done
	}
	select {
	case b := <-r.walk:
		if b.err != nil {
			return nil, b.err
		}
		r.walkEnded = len(b.subs) == 0
		return b.subs, nil
	case <-oldest:
	case <-r.stop.Done():
	}
	return nil, nil
}

// walkBatch is one batch read ahead from the database.
type walkBatch struct {
	subs []store.Subscription
	err  error
}

// prefetch reads the walk one batch ahead in its own goroutine, so that reading the next batch
// overlaps with sending the current ones; at most one batch waits, so memory stays bounded.
// The goroutine closes the walk; it ends when the walk does or the run is over.
func (r *jobRun) prefetch(walk store.SubscriptionWalk) <-chan walkBatch {
	ch := make(chan walkBatch, 1)
	go func() {
		defer walk.Close(context.WithoutCancel(r.ctx))
		for {
			subs, err := walk.Next(r.ctx, r.d.o.Batch)
			select {
			case ch <- walkBatch{subs: subs, err: err}:
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

// waitForRetry waits for the first pending retry to be due, or for the run to stop.
func (r *jobRun) waitForRetry() {
	t := time.NewTimer(r.firstDue().Sub(r.d.o.Now()))
	defer t.Stop()
	select {
	case <-r.stop.Done():
	case <-t.C:
	}
}

// endWalk ends a run whose walk is complete and that has nothing in flight: the job is done,
// or, if only retries remain, given back until the first is due so that this dispatcher (or
// another) works other jobs meanwhile.
func (r *jobRun) endWalk() {
	job := r.job
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
	r.release(r.firstDue())
}

// drain ends a run with batches possibly in flight. No batch is started any more; those in
// flight are waited for until the Drain deadline, when the pushes still unanswered are
// abandoned. Then what was answered is checkpointed, the unanswered are kept as retries due
// at once (so whoever resumes re-sends only those), and the job is given back, due at due.
// After a lost lease nothing is written: the job is someone else's.
func (r *jobRun) drain(due time.Time) {
	if len(r.inflight) > 0 {
		deadline := time.AfterFunc(r.d.o.Drain, r.abort)
		for _, b := range r.inflight {
			<-b.done
		}
		deadline.Stop()
	}
	if r.leaseLost.Load() {
		return
	}
	unanswered := 0
	for _, b := range r.inflight {
		unanswered += len(b.unanswered)
		r.account(b)
	}
	r.inflight = nil
	if unanswered > 0 {
		r.d.svc.log.Info("push: pushes unanswered at the drain deadline are kept for retry",
			"job", r.job.ID, "unanswered", unanswered)
	}
	r.release(due)
}

// abandon stops the pushes in flight and waits for them, without recording them: the run
// ends without a checkpoint, and they are sent again from the last one.
func (r *jobRun) abandon() {
	r.abort()
	for _, b := range r.inflight {
		<-b.done
	}
	r.inflight = nil
}

// release gives the job back with its current checkpoint, due at due.
func (r *jobRun) release(due time.Time) {
	r.job.Due = due
	r.job.State = store.DeliveryRunning
	r.save(time.Time{})
}

// finish marks the job done and reports how long it took since its first claim.
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
	if !r.save(time.Time{}) {
		return
	}
	took := job.Finished.Sub(job.Started)
	attrs := []any{"job", job.ID, "matched", job.Total, "sent", job.Sent, "gone", job.Gone,
		"failed", job.Failed, "claims", job.Claims, "took", took.Round(time.Millisecond)}
	if note != "" {
		attrs = append(attrs, "note", note)
	}
	attrs = append(attrs, r.refusals.logAttrs()...)
	r.d.svc.log.Info("push: delivery job done", attrs...)
	if r.d.o.JobDone != nil && !job.Started.IsZero() {
		r.d.o.JobDone(took)
	}
}
