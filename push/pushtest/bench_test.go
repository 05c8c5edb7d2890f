package pushtest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkServer measures what the fake costs per accepted message
// (VAPID verification, ECDH, decryption, recording) over TLS and HTTP/2.
// Requests are built beforehand so the sender's crypto is not measured;
// the result bounds the request rate a benchmark of the dispatcher can
// drive through one fake on this machine.
func BenchmarkServer(b *testing.B) {
	srv := New(Options{TLS: true, NoPayloads: true})
	defer srv.Close()
	const endpoints = 1024
	sg := newSigner(b)
	authz := sg.header(b, goodClaims(srv))
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
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)) % endpoints
			req, _ := http.NewRequest("POST", srv.URL()+"/push/"+strconv.Itoa(i), bytes.NewReader(bodies[i]))
			req.Header.Set("TTL", "60")
			req.Header.Set("Content-Encoding", "aes128gcm")
			req.Header.Set("Authorization", authz)
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
	b.ReportMetric(float64(srv.Count())/b.Elapsed().Seconds(), "msgs/s")
}
