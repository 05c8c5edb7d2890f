package push

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// NewHTTPClient returns the client every push goes through. One shared client keeps
// connections to each push service open and multiplexes hundreds of requests over HTTP/2
// streams, with timeouts on every step. tlsConfig is nil in production; tests pass one that trusts their fake service.
func NewHTTPClient(tlsConfig *tls.Config) *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: 10 * time.Second,
		// A custom TLS config or dialer turns HTTP/2 off unless forced.
		ForceAttemptHTTP2: true,
		// Over HTTP/1.1 every request in flight needs its own connection; keep them for the
		// next batch instead of closing all but two.
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Non-strict (the default): when a connection reaches the server's limit of concurrent
		// streams (often 100-250), another connection is opened instead of queueing.
		HTTP2: &http.HTTP2Config{StrictMaxConcurrentRequests: false},
	}
	return &http.Client{
		Transport: tr,
		// No Client.Timeout: every push carries its own deadline in its context (the
		// dispatcher's SendTimeout), which bounds reading the answer too. A client-wide timeout
		// would add a timer, a context and a goroutine to every request.
		// A push service answers; it does not redirect. Following one would send the payload
		// and our VAPID token somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
