package sqlite

import (
	"context"
	"sync"
	"time"
)

// commitGroup lets concurrent writes of one kind share a transaction, and so one fsync, while
// each still gets its own answer. With synchronous FULL every commit waits for the disk, and
// with one writer connection reports submitted at once would otherwise wait for each other's
// fsync in turn. Each write runs inside its own savepoint, so one that fails (a duplicate
// receipt) is undone alone and the others still commit. A caller is answered only after the
// commit that holds its write, so "acknowledged means durable" is unchanged.
type commitGroup struct {
	mu      sync.Mutex
	pending []*groupedWrite
	running bool
}

type groupedWrite struct {
	fn   func(c conn) error
	done chan error
}

// writeGrouped runs fn in a write transaction shared with the other grouped writes waiting at
// the same moment, and returns fn's error or the commit's.
func (s *Store) writeGrouped(fn func(c conn) error) error {
	w := &groupedWrite{fn: fn, done: make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.pending = append(g.pending, w)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go s.commitGroups()
	}
	// Waiting even if the caller gives up: the write may be committed already, and an error
	// for a stored report would make its sender send it again.
	return <-w.done
}

// maxGroup bounds one transaction, so that a burst never holds the writer for long.
const maxGroup = 64

// commitGroups commits what is pending, batch after batch, until nothing is.
func (s *Store) commitGroups() {
	g := &s.group
	for {
		g.mu.Lock()
		n := min(len(g.pending), maxGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := g.pending[:n:n]
		g.pending = g.pending[n:]
		g.mu.Unlock()
		s.commitBatch(batch)
	}
}

func (s *Store) commitBatch(batch []*groupedWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make([]error, len(batch))
	err := s.write(ctx, func(c conn) error {
		for i, w := range batch {
			if _, err := c.q.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
				return wrapf("savepoint", err)
			}
			if errs[i] = w.fn(c); errs[i] != nil {
				if _, err := c.q.ExecContext(ctx, "ROLLBACK TO grouped"); err != nil {
					return wrapf("roll back to savepoint", err)
				}
			}
			if _, err := c.q.ExecContext(ctx, "RELEASE grouped"); err != nil {
				return wrapf("release savepoint", err)
			}
		}
		return nil
	})
	for i, w := range batch {
		if err != nil {
			w.done <- err
		} else {
			w.done <- errs[i]
		}
	}
}
