package ferrettest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// proxy forwards the MongoDB wire protocol to FerretDB, running one write command at a time.
//
// FerretDB 1.x executes an update (and findAndModify) by reading the matching documents and
// writing changed copies back, so two racing conditional updates of one document can both see
// it unchanged and both "win", and racing $inc lose counts. MongoDB makes every
// single-document write atomic, and the engine relies on that and on nothing more. Holding one
// lock around each write command, from its request to its reply, restores that guarantee for
// the tests; reads run concurrently as before.
type proxy struct {
	ln    net.Listener
	write sync.Mutex // held while a write command runs

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

// writeCommands are the commands that change data or the catalog.
var writeCommands = map[string]bool{
	"insert": true, "update": true, "delete": true, "findAndModify": true, "findandmodify": true,
	"create": true, "createIndexes": true, "drop": true, "dropDatabase": true, "dropIndexes": true,
}

const (
	opMsg        = 2013
	moreToCome   = 1 << 1
	maxMessage   = 48 << 20
	headerLength = 16
)

func listenProxy(addr string) (*proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the ferretdb proxy: %w", err)
	}
	return &proxy{ln: ln, conns: map[net.Conn]bool{}}, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// track registers a connection to close with the proxy; false when the proxy is closed.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
}

// serve accepts clients until the proxy is closed, each with its own connection to backend.
func (p *proxy) serve(backend string) {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.relay(client, backend)
	}
}

// relay forwards one client's requests in order, each with its replies. Drivers send one
// request per connection at a time and wait for its reply, so the exchange is sequential.
func (p *proxy) relay(client net.Conn, backend string) {
	defer client.Close()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer server.Close()
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	for {
		req, err := readMessage(client)
		if err != nil {
			return
		}
		if err := p.exchange(req, server, client); err != nil {
			return
		}
	}
}

// exchange forwards one request and its replies, under the write lock for a write command.
func (p *proxy) exchange(req []byte, server, client net.Conn) error {
	if isWrite(req) {
		p.write.Lock()
		defer p.write.Unlock()
	}
	if _, err := server.Write(req); err != nil {
		return err
	}
	if expectsNoReply(req) {
		return nil
	}
	for {
		reply, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !expectsNoReply(reply) { // a reply with moreToCome is followed by another
			return nil
		}
	}
}

func readMessage(r io.Reader) ([]byte, error) {
	var head [headerLength]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(head[:4]))
	if n < headerLength || n > maxMessage {
		return nil, errors.New("bad message length")
	}
	msg := make([]byte, n)
	copy(msg, head[:])
	if _, err := io.ReadFull(r, msg[headerLength:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func opCode(msg []byte) uint32 { return binary.LittleEndian.Uint32(msg[12:16]) }

// expectsNoReply reports whether an OP_MSG has the moreToCome flag: the other side sends
// nothing back for it.
func expectsNoReply(msg []byte) bool {
	return opCode(msg) == opMsg && len(msg) >= headerLength+4 && binary.LittleEndian.Uint32(msg[16:20])&moreToCome != 0
}

// isWrite reports whether msg is an OP_MSG whose command (the body's first key) writes.
func isWrite(msg []byte) bool {
	if opCode(msg) != opMsg || len(msg) < headerLength+5 || msg[20] != 0 { // section 0: the body
		return false
	}
	n := int(binary.LittleEndian.Uint32(msg[21:25]))
	if n < 5 || 21+n > len(msg) {
		return false
	}
	elem, err := bson.Raw(msg[21 : 21+n]).IndexErr(0)
	if err != nil {
		return false
	}
	return writeCommands[elem.Key()]
}
