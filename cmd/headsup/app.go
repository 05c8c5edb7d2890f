package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/api"
	"github.com/headsup/headsup/config"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/ratelimit"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/resources"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/store/alertcache"
	"github.com/headsup/headsup/web"
)

// app is every long-lived dependency of a running server, built by one wiring function.
type app struct {
	cfg   config.Config
	log   *slog.Logger
	store store.Store
	// public is store with the current alerts cached in memory, for the front ends: a surge
	// of readers after a push costs no database round trip per page. The dispatcher, purges
	// and metrics read the store itself.
	public   *alertcache.Store
	engine   *gin.Engine
	intake   *intake.Service
	areas    []report.Area
	help     *resources.Set // help nearby, from HEADSUP_RESOURCES_FILE
	loc      *time.Location // the organisation's time zone
	metrics  *metrics
	stopOnce sync.Once
	now      func() time.Time // the clock every part uses; tests replace it

	// Each part's own wiring lives in its wire_*.go file.
	push       pushParts
	moderation moderationParts
	web        webParts
}

// appOptions are knobs for tests and benchmarks; the zero value is production.
type appOptions struct {
	// NoRateLimits lifts the per-client limits, for benchmarks whose clients all share one
	// loopback address.
	NoRateLimits bool
	Now          func() time.Time
	// PoWMaxNumber overrides the proof-of-work difficulty, so benchmarks can solve thousands of
	// proofs before the clock starts; verifying costs one hash whatever the difficulty.
	PoWMaxNumber int64
	// DispatcherPoll overrides how often the push dispatcher looks for jobs, so a test can
	// tell a job started by a wake-up from one found by polling.
	DispatcherPoll time.Duration
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// newApp builds everything a server needs, in dependency order.
func newApp(ctx context.Context, cfg config.Config, log *slog.Logger, opts appOptions) (a *app, err error) {
	a = &app{cfg: cfg, log: log}
	opts.NoRateLimits = opts.NoRateLimits || cfg.NoRateLimits
	// The settings that name files or zones are read first, so a mistake in one stops the start
	// before anything is opened or written, naming what to fix.
	if a.areas, err = loadAreas(cfg.AreasFile); err != nil {
		return nil, &usageError{err}
	}
	if a.help, err = resources.Load(cfg.ResourcesFile, cfg.PhoneRegion); err != nil {
		return nil, &usageError{err}
	}
	if a.loc, err = timeZone(cfg); err != nil {
		return nil, &usageError{err}
	}
	// An old data folder is refused before anything is written into it (the receipt key).
	if err := checkDataFolder(cfg); err != nil {
		return nil, err
	}
	receiptKey, err := loadReceiptKey(cfg)
	if err != nil {
		return nil, err
	}
	if a.store, err = openStore(ctx, cfg); err != nil {
		return nil, err
	}
	// The result is nil on failure, so close the app this function built, not the result.
	built := a
	defer func() {
		if err != nil {
			built.close(context.Background())
		}
	}()
	a.metrics = newMetrics(a.store)
	a.now = time.Now
	if opts.Now != nil {
		a.now = opts.Now
	}
	now := a.now
	a.store.SetClock(now)
	a.public = alertcache.Wrap(a.store, alertcache.DefaultTTL)
	a.public.SetClock(now)
	// The proof-of-work key is shared through the database so that a challenge issued by one
	// replica verifies on another.
	powKey, err := a.store.SettingOrCreate(ctx, "altcha_hmac_key", randomHex(32))
	if err != nil {
		return nil, err
	}
	limit := a.limiter(opts)
	identifierKey, err := a.store.SettingOrCreate(ctx, "identifier_hmac_key", randomHex(32))
	if err != nil {
		return nil, err
	}
	// Alerts published before identifiers were normalised as /check now does it are brought
	// into that form once, before any request is served.
	if _, err := publishing.UpgradeIdentifiers(ctx, a.store, []byte(identifierKey), cfg.PhoneRegion, log); err != nil {
		return nil, err
	}
	a.intake = &intake.Service{
		Store:         a.store,
		Alerts:        a.public,
		Areas:         a.areas,
		Proofs:        altcha.NewIssuer([]byte(powKey), cmp.Or(opts.PoWMaxNumber, altcha.DefaultMaxNumber), altcha.DefaultTTL, now),
		Receipts:      intake.ReceiptKey(receiptKey),
		IdentifierKey: []byte(identifierKey),
		PhoneRegion:   cfg.PhoneRegion,
		Unverified:    limit(3, time.Hour, 2),
		Now:           now,
		Accepted:      a.metrics.reportAccepted,
	}
	// Each replica sees its share of the traffic, so each raises the difficulty at its share of
	// the flood threshold (see altcha/difficulty.go).
	a.intake.Proofs.SetFlood(max(altcha.FloodThreshold/max(cfg.Replicas, 1), 1), altcha.FloodWindow, altcha.FloodDoublings)
	if err := a.wirePush(ctx, opts); err != nil {
		return nil, err
	}
	if a.engine, err = web.NewEngine(web.EngineOptions{Logger: log, TrustedProxies: cfg.TrustedProxies, NotFound: a.notFoundPage(), Observe: a.metrics.observeRequest}); err != nil {
		return nil, &usageError{err}
	}
	api.Register(a.engine, api.Deps{
		Store:          a.public,
		Intake:         a.intake,
		Push:           a.push.service,
		BaseURL:        cfg.BaseURL,
		VAPIDPublicKey: a.push.publicKey,
		Reads:          limit(600, time.Minute, 120),
	})
	if err := a.wireModeration(ctx, opts, []byte(identifierKey)); err != nil {
		return nil, err
	}
	if err := a.wireWebapp(opts); err != nil {
		return nil, err
	}
	registerHealth(a.engine, a.store, a.push.alive)
	return a, nil
}

// limiter returns the constructor of the app's per-client limiters: rate per period with the
// given burst is what the whole service allows one client, and each of the HEADSUP_REPLICAS
// replicas enforces its share of it in memory, so the limits do not multiply with the replicas
// and no counter about a client leaves the process (see "Rate limits and replicas" in the
// README).
func (a *app) limiter(opts appOptions) func(rate int, period time.Duration, burst int) *ratelimit.Limiter {
	return func(rate int, period time.Duration, burst int) *ratelimit.Limiter {
		if opts.NoRateLimits {
			rate, period, burst = 1_000_000, time.Second, 1_000_000
		}
		return ratelimit.New(ratelimit.Options{Rate: rate, Period: period, Burst: burst, Replicas: a.cfg.Replicas, Now: a.now})
	}
}

// close stops the workers, then releases the database they use.
func (a *app) close(ctx context.Context) {
	a.stopWorkers()
	if a.store != nil {
		if err := a.store.Close(ctx); err != nil {
			a.log.Warn("closing database", "err", err)
		}
	}
}

func loadAreas(path string) ([]report.Area, error) {
	if path == "" {
		return report.DefaultAreas(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("HEADSUP_AREAS_FILE: %w", err)
	}
	areas, err := report.ParseAreas(data)
	if err != nil {
		return nil, fmt.Errorf("HEADSUP_AREAS_FILE %s: %w", path, err)
	}
	return areas, nil
}

// loadReceiptKey returns the key receipts are hashed with. It is kept out of the database on
// purpose: with HEADSUP_RECEIPT_KEY, or in a file in the data folder created on first start.
func loadReceiptKey(cfg config.Config) ([]byte, error) {
	if cfg.ReceiptKey != "" {
		return []byte(cfg.ReceiptKey), nil
	}
	if cfg.MongoURI != "" {
		// Several replicas must agree on the key, and a file on one of them cannot be shared.
		return nil, usagef("HEADSUP_RECEIPT_KEY (or HEADSUP_RECEIPT_KEY_FILE) is required with MONGODB_URI: 32 or more random characters, the same on every replica, for example from: openssl rand -hex 32")
	}
	path := filepath.Join(cfg.DataDir, "receipt.key")
	data, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(data))), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read receipt key: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	key := randomHex(32)
	// O_EXCL: two processes starting at once must not each write a different key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadReceiptKey(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("create receipt key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(key + "\n"); err != nil {
		return nil, fmt.Errorf("write receipt key: %w", err)
	}
	return []byte(key), f.Sync()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
