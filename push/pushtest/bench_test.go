package pushtest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkServer measures what the fake costs per accepted message (VAPID, ECDH, decryption,
// recording) over TLS and HTTP/2. Requests are built beforehand so the sender's crypto is not
// measured; the result bounds the request rate a benchmark of the dispatcher can drive through
// one fake on this machine.
//
// The fake remembers tokens that verified, as a push service that sees one sender's token on
// every message would, so the two cases cost differently:
//
//   - cached_token: every message carries the same token, whose signature is verified on the
//     first message only (what Heads Up's sender does: one token per push service for hours).
//   - fresh_token: every message carries a token signed for it, so every message pays the
//     P-256 verification (what a sender minting a token per message, as webpush-go does, costs).
func BenchmarkServer(b *testing.B) {
	b.Run("cached_token", func(b *testing.B) { benchmarkServer(b, false) })
	b.Run("fresh_token", func(b *testing.B) { benchmarkServer(b, true) })
}

func benchmarkServer(b *testing.B, freshTokens bool) {
	srv := New(Options{TLS: true, NoPayloads: true})
	defer srv.Close()
	const endpoints = 1024
	sg := newSigner(b)
	bodies := make([][]byte, endpoints)
	for i := range bodies {
		// Padded to one full 4,096-byte body, as Heads Up's sender pads every message: the
		// body's size is what the fake's reading and decryption cost depends on.
		sub := srv.Subscription(i)
		record := make([]byte, MaxBody-headerFixed-pointLen-tagLen)
		record[copy(record, `{"id":"x","title":"Heads up"}`)] = 2
		bodies[i] = sealFresh(b, mustB64(b, sub.P256dh), mustB64(b, sub.Auth), record)
		if len(bodies[i]) != MaxBody {
			b.Fatalf("body of %d bytes, want %d", len(bodies[i]), MaxBody)
		}
	}
	// One Authorization header per message with fresh tokens (signed here, outside the timer),
	// one for the whole run otherwise. ES256 signatures are randomized, so tokens signed over the
	// same claims still differ; the check below makes sure no header repeats, since a repeat
	// would be answered from the fake's memory without verifying its signature.
	headers := []string{sg.header(b, goodClaims(srv))}
	if freshTokens {
		headers = make([]string, b.N)
		seen := make(map[string]bool, b.N)
		claims := goodClaims(srv)
		for i := range headers {
			headers[i] = sg.header(b, claims)
			if seen[headers[i]] {
				b.Fatal("two messages would carry the same token")
			}
			seen[headers[i]] = true
		}
	}
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := int(next.Add(1)) - 1
			i := n % endpoints
			req, err := http.NewRequest("POST", srv.URL()+"/push/"+strconv.Itoa(i), bytes.NewReader(bodies[i]))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("TTL", "60")
			req.Header.Set("Content-Encoding", "aes128gcm")
			req.Header.Set("Authorization", headers[n%len(headers)])
			resp, err := srv.Client().Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.StopTimer()
	if got := srv.Count(); got != b.N {
		b.Fatalf("the fake accepted %d messages, want %d", got, b.N)
	}
	b.ReportMetric(float64(srv.Count())/b.Elapsed().Seconds(), "msgs/s")
}
