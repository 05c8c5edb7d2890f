package mongodb

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/headsup/headsup/store"
)

// TestErrorsNameNoAddress opens a database that is down, as an operator sees it in the logs:
// the error must say the database is unavailable without naming where it is.
func TestErrorsNameNoAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	uri := "mongodb://headsup:s3cret@" + addr + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"
	_, err = Open(ctx, uri, "headsup")
	if err == nil {
		t.Fatal("opened a database nobody serves")
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("error %q is not ErrUnavailable", err)
	}
	for _, leak := range []string{"127.0.0.1", ":" + port, "s3cret"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error names %q: %s", leak, err)
		}
	}
}

func TestRedactKeepsTheRest(t *testing.T) {
	err := redact(errors.New("dial tcp mongo:27017: connect: connection refused; server [::1]:27017 and 10.0.0.7"))
	got := err.Error()
	if strings.Contains(got, "mongo:27017") || strings.Contains(got, "::1") || strings.Contains(got, "10.0.0.7") {
		t.Errorf("address left in %q", got)
	}
	if !strings.Contains(got, "connection refused") {
		t.Errorf("the reason was lost: %q", got)
	}
}
