package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/headsup/headsup/push/pushtest"
)

// TestRun drives the command the way a benchmark would: wait for the ready
// line, trust the written certificate, send with webpush-go to
// subscriptions computed from the seed, read /stats, reset, and stop.
func TestRun(t *testing.T) {
	certPath := filepath.Join(t.TempDir(), "cert.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-cert", certPath, "-seed", "bench", "-delay", "5ms"}, pw, &stderr)
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading ready line: %v", err)
	}
	baseURL, ok := strings.CutPrefix(strings.TrimSpace(line), "fakepush listening on ")
	if !ok || !strings.HasPrefix(baseURL, "https://127.0.0.1:") {
		t.Fatalf("ready line %q", line)
	}
	go io.Copy(io.Discard, pr)

	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("certificate file holds no PEM certificate")
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2: true,
	}}
	defer client.CloseIdleConnections()

	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 0, 7} {
		sub := pushtest.SubscriptionFor(baseURL, []byte("bench"), i)
		resp, err := webpush.SendNotification([]byte("hello"), &webpush.Subscription{
			Endpoint: sub.Endpoint,
			Keys:     webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
		}, &webpush.Options{HTTPClient: client, Subscriber: "ops@example.org", TTL: 60,
			VAPIDPublicKey: pub, VAPIDPrivateKey: priv})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 || resp.ProtoMajor != 2 {
			t.Fatalf("subscription %d: %s %s", i, resp.Proto, resp.Status)
		}
	}
	// A subscription from another seed cannot be decrypted.
	sub := pushtest.SubscriptionFor(baseURL, []byte("other"), 1)
	resp, err := webpush.SendNotification([]byte("x"), &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{HTTPClient: client, Subscriber: "ops@example.org", TTL: 60,
		VAPIDPublicKey: pub, VAPIDPrivateKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("wrong seed: status %d, want 400", resp.StatusCode)
	}

	stats := func() pushtest.Stats {
		resp, err := client.Get(baseURL + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st pushtest.Stats
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := stats(); st.Count != 3 || st.Distinct != 2 || st.Rejected["400"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
	resp, err = client.Post(baseURL+"/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := stats(); st.Count != 0 || st.Distinct != 0 {
		t.Fatalf("stats after reset = %+v", st)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestHelpAndBadFlags(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-h"}, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"fakepush listening on", "/stats", "/reset", "-cert", "-no-payloads", "SubscriptionFor"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if err := run(context.Background(), []string{"-tls=false", "-cert", "x.pem"}, io.Discard, io.Discard); err == nil {
		t.Error("-cert with -tls=false: no error")
	}
}
