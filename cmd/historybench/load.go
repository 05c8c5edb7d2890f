package main

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256},
	// Sign-in reads the redirects; measured routes answer without one.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// request is one measured request, built per server because ids and cookies differ.
type request struct {
	method string
	path   string
	body   []byte
	cookie string
	want   int
}

// result is what one measurement saw.
type result struct {
	n         int
	elapsed   time.Duration
	latencies []time.Duration // sorted
	wrong     map[int]int     // statuses other than the one wanted; 0 is a transport error
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// percentile is the nearest-rank percentile of the sorted latencies.
func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p+0.999999) - 1
	return r.latencies[max(0, min(len(r.latencies)-1, i))]
}

func (r result) errors() int {
	n := 0
	for _, c := range r.wrong {
		n += c
	}
	return n
}

func (r result) wrongString() string {
	if len(r.wrong) == 0 {
		return ""
	}
	var parts []string
	for status, n := range r.wrong {
		s := strconv.Itoa(status)
		if status == 0 {
			s = "failed"
		}
		parts = append(parts, s+"×"+strconv.Itoa(n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// do sends one request and returns its status (0 when it failed) and latency, reading the
// whole body as a browser would.
func do(base string, rq request) (int, time.Duration) {
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, _ := http.NewRequest(rq.method, base+rq.path, body)
	if rq.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.cookie != "" {
		req.Header.Set("Cookie", rq.cookie)
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Since(t0)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(t0)
}

// measure runs clients closed-loop clients for d, each sending next's request as soon as its
// previous one is answered: the figure is what the server sustains, and its latencies.
func measure(base string, clients int, d time.Duration, next func(i int) request) result {
	deadline := time.Now().Add(d)
	return closedLoop(base, clients, func(i int) (request, bool) {
		if !time.Now().Before(deadline) {
			return request{}, false
		}
		return next(i), true
	})
}

// measureEach sends each of the requests once, from clients at a time, and times the whole:
// for intake, where every request carries its own single-use proof.
func measureEach(base string, clients int, reqs []request) result {
	return closedLoop(base, clients, func(i int) (request, bool) {
		if i >= len(reqs) {
			return request{}, false
		}
		return reqs[i], true
	})
}

// closedLoop runs clients clients, each sending the request next gives for the following
// sequence number as soon as its previous one is answered, until next says there is none.
func closedLoop(base string, clients int, next func(i int) (request, bool)) result {
	var (
		mu  sync.Mutex
		all []time.Duration
		res = result{wrong: map[int]int{}}
		wg  sync.WaitGroup
		seq int
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			wrong := map[int]int{}
			for {
				mu.Lock()
				i := seq
				seq++
				mu.Unlock()
				rq, ok := next(i)
				if !ok {
					break
				}
				status, took := do(base, rq)
				mine = append(mine, took)
				if status != rq.want {
					wrong[status]++
				}
			}
			mu.Lock()
			all = append(all, mine...)
			for s, n := range wrong {
				res.wrong[s] += n
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(all)
	res.latencies, res.n = all, len(all)
	return res
}

// merge combines measurements of the same request taken at different times.
func merge(rs ...result) result {
	out := result{wrong: map[int]int{}}
	for _, r := range rs {
		out.n += r.n
		out.elapsed += r.elapsed
		out.latencies = append(out.latencies, r.latencies...)
		for s, n := range r.wrong {
			out.wrong[s] += n
		}
	}
	slices.Sort(out.latencies)
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
