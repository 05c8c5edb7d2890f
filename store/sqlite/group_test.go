package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/headsup/headsup/store"
)

// TestReportsSubmittedTogetherEachGetTheirAnswer sends many reports at once, one of them with
// a receipt hash already taken: every other report is stored and readable, the duplicate alone
// fails, as if each had its own transaction.
func TestReportsSubmittedTogetherEachGetTheirAnswer(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "headsup.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	first := newReport(0, "the first report")
	first.ID, first.ReceiptHash = "r-first", "h-taken"
	if err := s.CreateReport(ctx, first); err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newReport(i+1, "a report sent at the same moment as many others")
			r.ID, r.ReceiptHash = fmt.Sprintf("r%04d", i), fmt.Sprintf("h%04d", i)
			if i == n/2 {
				r.ReceiptHash = "h-taken"
			}
			errs[i] = s.CreateReport(ctx, r)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i == n/2 {
			if err == nil {
				t.Errorf("a report with a taken receipt hash was stored")
			} else if !errors.Is(err, store.ErrExists) {
				t.Errorf("duplicate receipt: %v, want ErrExists", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("report %d: %v", i, err)
			continue
		}
		got, err := s.Report(ctx, fmt.Sprintf("r%04d", i))
		if err != nil || got.ReceiptHash != fmt.Sprintf("h%04d", i) {
			t.Errorf("report %d not readable after its answer: %+v %v", i, got, err)
		}
	}
	if _, err := s.Report(ctx, fmt.Sprintf("r%04d", n/2)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused duplicate is readable: %v", err)
	}
}

// BenchmarkConcurrentReports is intake's write path under a burst: 16 submitters at once with
// synchronous FULL, reports sharing commits (grouped) against one transaction each (single), in
// the same run.
func BenchmarkConcurrentReports(b *testing.B) {
	for _, grouped := range []bool{false, true} {
		name := "single"
		if grouped {
			name = "grouped"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b, Options{})
			var next sync.Mutex
			i := 0
			b.SetParallelism(8) // 16 goroutines on two cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					next.Lock()
					i++
					k := i
					next.Unlock()
					r := newReport(k, "a report of ordinary length, a few sentences about what happened and where")
					r.ID, r.ReceiptHash = fmt.Sprintf("r%09d", k), fmt.Sprintf("h%09d", k)
					var err error
					if grouped {
						err = s.CreateReport(ctx, r)
					} else {
						args, aerr := reportArgs(r)
						if aerr != nil {
							b.Fatal(aerr)
						}
						err = s.write(ctx, func(c conn) error {
							_, err := c.exec(ctx, insertReport, args...)
							return err
						})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
