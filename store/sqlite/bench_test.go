package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCreateReport measures one acknowledged report insert (one transaction) with each
// synchronous setting, so that the cost of FULL's fsync per commit can be quoted as a ratio of
// NORMAL. The database lives in HEADSUP_BENCH_DIR if set (choose the disk the service uses;
// a tmpfs makes fsync free), else in a temporary folder.
func BenchmarkCreateReport(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			if d := os.Getenv("HEADSUP_BENCH_DIR"); d != "" {
				var err error
				if dir, err = os.MkdirTemp(d, "bench-"); err != nil {
					b.Fatal(err)
				}
				defer os.RemoveAll(dir)
			}
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(dir, "headsup.db"), Options{Synchronous: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(ctx)
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
