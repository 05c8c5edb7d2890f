// Command fakepush runs the pushtest fake Web Push service as its own
// process, so a benchmark of the Heads Up dispatcher does not share CPU,
// scheduler and garbage collector with the service it sends to (the fake
// does two P-256 operations per message, which would otherwise distort the
// numbers).
//
// Subscriptions are derived from the seed: a client computes subscription i
// with pushtest.SubscriptionFor(baseURL, seed, i) and trusts the certificate
// written to -cert. See -h for the full usage.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/headsup/headsup/push/pushtest"
)

const usage = `fakepush runs a fake Web Push service that proves delivery: it verifies the
VAPID token (RFC 8292), decrypts every aes128gcm message (RFC 8291) with the
subscription's private key and counts what it could read. It is the
out-of-process twin of the Go package push/pushtest, for benchmarks.

Usage:
  fakepush [flags]

When ready it prints exactly one line to stdout:
  fakepush listening on https://127.0.0.1:PORT
and then serves until SIGINT or SIGTERM.

Endpoints:
  POST /push/{n}   a push message for subscription n (n = 0, 1, 2, ...);
                   201 when verified and decrypted, 400/401/403/404/413/415
                   with a reason in the body otherwise
  GET  /stats      {"count":N,"distinct":N,"rejected":{"STATUS":N,...}}
                   count = messages accepted, distinct = subscriptions that
                   accepted at least one (count - distinct = duplicates)
  GET  /received/{n}
                   JSON array of the messages subscription n accepted, with
                   the decrypted payload (base64) and TTL/Urgency/Topic; empty
                   with -no-payloads
  POST /reset      forget all counts and messages (answers 204)

Subscriptions are not registered anywhere: subscription n has keys derived
from the seed, so a client computes the same subscription with
  pushtest.SubscriptionFor("https://127.0.0.1:PORT", []byte(seed), n)
and must use the same -seed. The certificate is self-signed and generated
at start; write it with -cert and add it to the client's RootCAs.

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakepush:", err)
		os.Exit(1)
	}
}

// run is main without the process: it serves until ctx ends, which lets
// the test drive the command in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakepush", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "`host:port` to listen on; port 0 picks a free port (see the printed URL)")
	useTLS := fs.Bool("tls", true, "serve HTTPS with HTTP/2 like real push services; -tls=false serves plain HTTP/1.1")
	delay := fs.Duration("delay", 0, "sleep this long before answering each push, to simulate internet latency (e.g. 50ms)")
	seed := fs.String("seed", string(pushtest.DefaultSeed), "seed the subscription keys are derived from; clients must use the same")
	noPayloads := fs.Bool("no-payloads", false, "keep counts only, not decrypted payloads (messages are still verified and decrypted)")
	certPath := fs.String("cert", "", "write the self-signed certificate (PEM) to this `file` before printing the ready line; needs -tls")
	hosts := fs.String("hosts", "", "extra comma-separated DNS names or IPs for the certificate (it always covers localhost, 127.0.0.1, ::1 and the -addr host)")
	vapidKey := fs.String("vapid-key", "", "if set (base64url public key), answer 403 to tokens signed by any other VAPID key")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this `file` (benchmarks share 2 cores with it: see where its time goes)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *certPath != "" && !*useTLS {
		return errors.New("-cert needs -tls: a plain HTTP server has no certificate")
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	// An unspecified listen address (0.0.0.0, ::) is reachable on loopback;
	// printing it would give clients a URL they cannot use as an origin.
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	opts := pushtest.Options{
		TLS:        *useTLS,
		Delay:      *delay,
		Seed:       []byte(*seed),
		NoPayloads: *noPayloads,
		VAPIDKey:   *vapidKey,
		Listener:   ln,
	}
	if *useTLS {
		names := []string{"localhost", "127.0.0.1", "::1", host}
		if h, _, err := net.SplitHostPort(*addr); err == nil && h != "" {
			names = append(names, h)
		}
		for _, h := range strings.Split(*hosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				names = append(names, h)
			}
		}
		cert, certPEM, err := selfSigned(names)
		if err != nil {
			ln.Close()
			return err
		}
		opts.Certificate = cert
		if *certPath != "" {
			if err := writeFileAtomic(*certPath, certPEM); err != nil {
				ln.Close()
				return err
			}
		}
	}
	srv := pushtest.New(opts)

	scheme := "http"
	if *useTLS {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "fakepush listening on %s://%s\n", scheme, net.JoinHostPort(host, port))

	<-ctx.Done()
	// Close waits for in-flight requests; a client that keeps sending must
	// not keep the process alive forever after a signal.
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(stderr, "fakepush: requests still open after 5s, exiting anyway")
	}
	st := srv.Stats()
	fmt.Fprintf(stderr, "fakepush: stopped; accepted %d messages to %d subscriptions, rejected %v\n", st.Count, st.Distinct, st.Rejected)
	return nil
}

// selfSigned makes a short-lived ECDSA certificate for names (DNS names or
// IP addresses). A fresh certificate per run, rather than httptest's fixed
// one, lets -addr bind to other interfaces and hostnames.
func selfSigned(names []string) (*tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "fakepush"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if ip := net.ParseIP(n); ip != nil {
			if !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	cert := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// writeFileAtomic writes through a temporary file and a rename, so a client
// polling for the certificate never reads half of it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fakepush-cert-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
