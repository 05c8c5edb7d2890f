package push

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/headsup/headsup/store"
)

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
	again      []store.DeliveryRetry // to be tried again after a backoff
	unanswered []store.DeliveryRetry // abandoned without an answer; due at once
}

// record counts the outcome of one push of the batch.
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
		rt := t.retry
		rt.Next = b.run.d.o.Now()
		b.unanswered = append(b.unanswered, rt)
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

// commit waits for the oldest batch in flight and checkpoints it. It returns false when the
// run is over because the checkpoint failed; a stop while waiting leaves the batch in flight
// for the drain.
func (r *jobRun) commit() bool {
	b := r.inflight[0]
	select {
	case <-b.done:
	case <-r.stop.Done():
	}
	if r.stop.Err() != nil {
		return true
	}
	r.inflight = r.inflight[1:]
	r.account(b)
	if !r.save(r.d.o.Now().Add(r.d.o.Lease)) {
		r.abandon()
		return false
	}
	return true
}

// account adds a batch whose pushes all have an outcome to the job: the counters, the retries,
// and the walk position past its last subscription. Pushes abandoned unanswered become retries
// due at once, so the position never passes a push that is neither answered nor kept.
func (r *jobRun) account(b *batch) {
	job := r.job
	job.Sent += b.sent
	job.Gone += b.gone
	job.Failed += b.failed
	job.Reached += int64(len(b.subs))
	r.pending = append(r.pending, b.again...)
	r.pending = append(r.pending, b.unanswered...)
	if n := len(b.subs); n > 0 {
		// Walks resume strictly after this id, whether or not it still exists.
		job.Position = store.WalkPosition{After: b.subs[n-1].ID}
	}
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
		r.leaseLost.Store(true)
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

// firstDue is when the first pending retry is due, or the deadline if none is.
func (r *jobRun) firstDue() time.Time {
	first := r.deadline
	for _, rt := range r.pending {
		if rt.Next.Before(first) {
			first = rt.Next
		}
	}
	return first
}

// refusalClass says why a push was refused for good, grouped by what an operator does about it.
type refusalClass int

const (
	refusedUnusable    refusalClass = iota // no request made: the keys or the VAPID key are unusable
	refusedHost                            // the endpoint's host is no longer allowed
	refusedPayload                         // 413: our payload is too large
	refusedCredentials                     // 401/403: our VAPID credentials
	refusedByService                       // any other final answer
)

func (c refusalClass) String() string {
	switch c {
	case refusedUnusable:
		return "unusable"
	case refusedHost:
		return "host"
	case refusedPayload:
		return "payload"
	case refusedCredentials:
		return "credentials"
	case refusedByService:
		return "service"
	}
	return "refusalClass(" + strconv.Itoa(int(c)) + ")"
}

// refusal is one kind of final refusal: its class and the push service's status, 0 when no
// request was made.
type refusal struct {
	class  refusalClass
	status int
}

// name is how the end-of-job log line labels the count: by status when there is one.
func (k refusal) name() string {
	if k.status != 0 {
		return "refused_" + strconv.Itoa(k.status)
	}
	return "refused_" + k.class.String()
}

// refusals counts a job's final refusals by kind, for the end-of-job log line and so that the
// first of each kind is logged once. Refusals are rare, so a mutex is cheap enough.
type refusals struct {
	mu sync.Mutex
	n  map[refusal]int64
}

// add counts one refusal and reports whether it is the first of its kind in the job.
func (rs *refusals) add(k refusal) (first bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.n == nil {
		rs.n = map[refusal]int64{}
	}
	rs.n[k]++
	return rs.n[k] == 1
}

// logAttrs are the counts as log attributes, in a stable order.
func (rs *refusals) logAttrs() []any {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	keys := make([]refusal, 0, len(rs.n))
	for k := range rs.n {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b refusal) int {
		if a.class != b.class {
			return int(a.class) - int(b.class)
		}
		return a.status - b.status
	})
	var attrs []any
	for _, k := range keys {
		attrs = append(attrs, k.name(), rs.n[k])
	}
	return attrs
}
