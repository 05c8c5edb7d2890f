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
		bodies[i] = encryptFor(b, srv.Subscription(i), []byte(`{"id":"x","title":"Heads up"}`))
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
