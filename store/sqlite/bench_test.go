package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCreateReport measures one acknowledged report insert (one transaction) with each
// synchronous setting, so that the cost of FULL's fsync per commit can be quoted as a ratio of
// NORMAL. The database lives in HEADSUP_BENCH_DIR if set (choose the disk the service uses;
// a tmpfs makes fsync free), else in a temporary folder.
func BenchmarkCreateReport(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b, Options{Synchronous: mode})
			for i := 0; b.Loop(); i++ {
				r := newReport(i, "a report of ordinary length, a few sentences about what happened and where")
				r.ID, r.ReceiptHash = fmt.Sprintf("r%09d", i), fmt.Sprintf("h%09d", i)
				if err := s.CreateReport(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIntakeWrites measures what one verified report costs the database: its spent proof
// of work and the report itself, against the report alone, both with synchronous FULL. The
// spent record's commit is not synced by itself (writeUnsynced), so the pair should cost about
// one fsync, as the report alone does.
func BenchmarkIntakeWrites(b *testing.B) {
	for _, withSpent := range []bool{false, true} {
		name := "report"
		if withSpent {
			name = "spent+report"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b, Options{})
			expires := time.Now().Add(time.Hour)
			for i := 0; b.Loop(); i++ {
				if withSpent {
					if ok, err := s.MarkSpent(ctx, fmt.Sprintf("c%09d", i), expires); err != nil || !ok {
						b.Fatal(ok, err)
					}
				}
				r := newReport(i, "a report of ordinary length, a few sentences about what happened and where")
				r.ID, r.ReceiptHash = fmt.Sprintf("r%09d", i), fmt.Sprintf("h%09d", i)
				if err := s.CreateReport(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchStore opens a database for a benchmark in HEADSUP_BENCH_DIR if set (choose the disk the
// service uses; a tmpfs makes fsync free), else in a temporary folder, closed at the end.
func benchStore(b *testing.B, opts Options) *Store {
	b.Helper()
	dir := b.TempDir()
	if d := os.Getenv("HEADSUP_BENCH_DIR"); d != "" {
		var err error
		if dir, err = os.MkdirTemp(d, "bench-"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(dir, "headsup.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(ctx) })
	return s
}
