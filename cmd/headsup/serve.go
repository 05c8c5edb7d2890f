package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/store"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "serve", true)
	if helped, err := parseNoArgs(fs, args); helped || err != nil {
		return err
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.stderr)
	a, err := newApp(ctx, cfg, log, appOptions{})
	if err != nil {
		return err
	}
	defer a.close(context.Background())

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (HEADSUP_ADDR): %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.engine,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	stopMetrics, metricsAddr, err := serveMetrics(ctx, cfg.AdminAddr, a.metrics, log)
	if err != nil {
		return fmt.Errorf("listen on %s (HEADSUP_ADMIN_ADDR): %w", cfg.AdminAddr, err)
	}
	defer stopMetrics()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	where := "the embedded database in " + filepath.Join(cfg.DataDir, databaseFile)
	if cfg.MongoURI != "" {
		where = "MongoDB"
	}
	fmt.Fprintf(env.stdout, "Heads Up is running at %s (listening on %s, data in %s).\n", cfg.BaseURL, ln.Addr(), where)
	fmt.Fprintf(env.stdout, "Metrics for Prometheus at http://%s/metrics (keep this port private).\n", metricsAddr)
	a.printFirstSteps(ctx, env)
	fmt.Fprintln(env.stdout, "Press Ctrl-C to stop.")

	select {
	case err := <-served:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	// Stop accepting, let requests in flight finish, then stop the workers and the database
	// (deferred above), in that order.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("requests still running at shutdown", "err", err)
	}
	a.stopWorkers()
	fmt.Fprintln(env.stdout, "Stopped.")
	return nil
}

// printFirstSteps tells a newcomer what to do next: create the first moderator, as long as
// there is none.
func (a *app) printFirstSteps(ctx context.Context, env *environment) {
	if n, err := a.store.CountModerators(ctx); err != nil || n > 0 {
		return
	}
	fmt.Fprintf(env.stdout, "No moderators yet. Create the first one (it prints a one-time password) with:\n  %s moderator add --name admin --role admin\nthen sign in at %s/moderation/login\n", selfCommand(), a.cfg.BaseURL)
}

// selfCommand is how the person who started this process runs it again: "go run ./cmd/headsup"
// when go run built it (into a go-build temporary folder), else "headsup", as in a container
// or from a built binary, where the first spelling would not work.
func selfCommand() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./cmd/headsup"
	}
	return "headsup"
}

// stopWorkers stops the background loops (push dispatcher, purge loop) and waits for them, so
// that leases are released while the database is still there. It is safe to call twice.
func (a *app) stopWorkers() {
	a.stopOnce.Do(func() {
		a.push.stop()
		if a.moderation.stop != nil {
			a.moderation.stop()
		}
	})
}

// registerHealth adds the probes a load balancer or orchestrator uses.
func registerHealth(e *gin.Engine, s store.Store, dispatcherAlive func() bool) {
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ping(ctx); err != nil {
			c.Header("Retry-After", "10")
			c.String(http.StatusServiceUnavailable, "database unreachable\n")
			return
		}
		if !dispatcherAlive() {
			c.Header("Retry-After", "10")
			c.String(http.StatusServiceUnavailable, "push dispatcher not running\n")
			return
		}
		c.String(http.StatusOK, "ready\n")
	})
}
