package store

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestDatabaseLogsCarryNoAddresses(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(&redactingHandler{next: slog.NewTextHandler(&buf, nil), min: slog.LevelWarn})
	log.With("conn", "127.0.0.1:50432 -> 127.0.0.1:27017").WithGroup("g").
		Warn("Connection stopped from [::1]:4000", "peer", "10.1.2.3", "n", 5)
	log.Info("hidden below warning", "peer", "10.9.9.9")
	out := buf.String()
	for _, leak := range []string{"127.0.0.1", "::1", "10.1.2.3", "10.9.9.9", "hidden"} {
		if strings.Contains(out, leak) {
			t.Errorf("log line leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "Connection stopped") || !strings.Contains(out, "component=database") {
		t.Errorf("the warning itself is lost: %s", out)
	}
	_ = context.Background()
}
