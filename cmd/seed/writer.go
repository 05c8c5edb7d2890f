package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/headsup/headsup/store"
)

// collection is one kind of record to write: n of them, made one at a time by next, which
// also returns the record's id.
type collection struct {
	name string
	n    int
	next func() (record any, id string)
}

// writer loads collections in batches and prints one line per collection.
type writer struct {
	st      store.Store
	batch   int
	writers int
	out     io.Writer
	total   int
}

// write makes c's records in one goroutine and loads them from w.writers others, so that
// making records (random text, HMACs, ids) overlaps with the database writing them: on SQLite,
// which has one writer at a time, that keeps both cores busy.
func (w *writer) write(ctx context.Context, c collection) error {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []any, w.writers+1)
	go func() {
		defer close(batches)
		for done := 0; done < c.n; {
			type keyed struct {
				id  string
				rec any
			}
			k := make([]keyed, min(w.batch, c.n-done))
			for i := range k {
				k[i].rec, k[i].id = c.next()
			}
			// In id order, each page of the id index is visited once per batch, in order,
			// instead of at random: with random ids and a page cache smaller than the
			// index, random order reads and rewrites most pages several times.
			slices.SortFunc(k, func(a, b keyed) int { return strings.Compare(a.id, b.id) })
			b := make([]any, len(k))
			for i := range k {
				b[i] = k[i].rec
			}
			done += len(b)
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range w.writers {
		wg.Go(func() {
			for b := range batches {
				if err := w.st.Load(ctx, c.name, b); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		// Drain, so the generating goroutine is not left blocked on a full channel.
		for range batches {
		}
		return fmt.Errorf("load %s: %w", c.name, first)
	}
	took := time.Since(start)
	w.total += c.n
	fmt.Fprintf(w.out, "  %-14s %9d in %5.1fs (%.0f/s)\n", c.name, c.n, took.Seconds(), float64(c.n)/max(took.Seconds(), 1e-9))
	return nil
}
