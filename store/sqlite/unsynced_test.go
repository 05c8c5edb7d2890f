package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestSpentChallengeLeavesTheWriterSynced pins that relaxing synchronous for a spent proof of
// work never leaks to the writes after it: an acknowledged report must still be committed
// with FULL, whatever ran on the writer connection before it.
func TestSpentChallengeLeavesTheWriterSynced(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "headsup.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for i, challenge := range []string{"a", "a", "b"} {
		first, err := s.MarkSpent(ctx, challenge, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := i != 1; first != want {
			t.Errorf("MarkSpent(%q) #%d = %v, want %v", challenge, i, first, want)
		}
		var mode int
		if err := s.wdb.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != 2 { // 2 is FULL
			t.Fatalf("after MarkSpent the writer's synchronous is %d, want 2 (FULL)", mode)
		}
	}
}
