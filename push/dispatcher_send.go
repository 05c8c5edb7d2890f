package push

import (
	"context"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// task is one push handed to the workers.
type task struct {
	batch *batch
	retry store.DeliveryRetry // Attempts is the number of tries before this one
}

// dispatch starts a batch: the subscriptions just read and the retries that are due.
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

// outcomeKind is what became of one push.
type outcomeKind int

const (
	outSent    outcomeKind = iota // accepted by the push service
	outGone                       // 404/410: the subscription was deleted
	outFailed                     // refused for good, or out of time
	outRetry                      // to be tried again after a backoff
	outAborted                    // abandoned unanswered: the run was stopped or lost its lease
)

func (k outcomeKind) String() string {
	switch k {
	case outSent:
		return "sent"
	case outGone:
		return "gone"
	case outFailed:
		return "failed"
	case outRetry:
		return "retry"
	case outAborted:
		return "aborted"
	}
	return "outcomeKind(" + strconv.Itoa(int(k)) + ")"
}

// outcome is what became of one push, and how long the service asked us to wait before the
// next try.
type outcome struct {
	kind       outcomeKind
	retryAfter time.Duration
}

// send makes one push and says what became of it.
func (d *Dispatcher) send(t *task) outcome {
	r := t.batch.run
	if r.ctx.Err() != nil {
		return outcome{kind: outAborted}
	}
	rt := &t.retry
	ttl := int(r.deadline.Sub(d.o.Now()) / time.Second)
	if ttl <= 0 {
		return outcome{kind: outFailed}
	}
	// Subscribing checked the endpoint against the allowlist of that time; the operator may
	// have narrowed it since.
	if d.svc.checkEndpoint(rt.Endpoint) != "" {
		d.refuseHost(r, rt.Endpoint)
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
	if r.ctx.Err() != nil {
		return outcome{kind: outAborted} // abandoned while waiting for a place: skip encrypting
	}
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
		r.refuse(refusal{class: refusedUnusable}, "push: cannot encrypt or sign a push", "err", err)
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
		return outcome{kind: outRetry, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), d.o.Now())}
	case code == http.StatusRequestEntityTooLarge:
		r.refuse(refusal{refusedPayload, code}, "push: payload too large for the push service; this is a bug in the payload size limit")
		return outcome{kind: outFailed}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		r.refuse(refusal{refusedCredentials, code}, "push: the push service refused our VAPID credentials; check HEADSUP_VAPID_* (subscriptions made with another key must subscribe again)")
		return outcome{kind: outFailed}
	default:
		r.refuse(refusal{refusedByService, code}, "push: the push service refused a push")
		return outcome{kind: outFailed}
	}
}

// refuse counts a final refusal and logs its first occurrence per job and kind at error
// level: an operator must act, and one line says so without a line per subscriber.
func (r *jobRun) refuse(k refusal, msg string, attrs ...any) {
	if !r.refusals.add(k) {
		return
	}
	a := []any{"job", r.job.ID}
	if k.status != 0 {
		a = append(a, "status", k.status)
	}
	r.d.svc.log.Error(msg, append(a, attrs...)...)
}

// refuseHost deletes a subscription whose endpoint is no longer allowed, so that it is not
// tried again, and logs the first per job with the host only: the rest of an endpoint
// identifies a browser.
func (d *Dispatcher) refuseHost(r *jobRun, endpoint string) {
	if _, err := d.svc.store.DeleteGoneSubscription(context.WithoutCancel(r.ctx), endpoint); err != nil {
		d.logDBError("deleting a subscription to a host no longer allowed", err)
	}
	if !r.refusals.add(refusal{class: refusedHost}) {
		return
	}
	host := ""
	if u, err := url.Parse(endpoint); err == nil {
		host = u.Host
	}
	d.svc.log.Warn("push: deleting subscriptions whose push service is no longer allowed (HEADSUP_PUSH_SERVICES, HEADSUP_PUSH_INSECURE_HOSTS)",
		"job", r.job.ID, "host", host)
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
