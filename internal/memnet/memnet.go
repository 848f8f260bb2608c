// Package memnet is an in-memory network for tests that run under
// testing/synctest. Its connections are net.Pipe pairs, so an http.Server
// and an http.Transport talk as over TCP but without sockets, and every
// wait on them is durably blocking: a bubble's fake clock advances past a
// carrier's latency, a breaker's cool-down or a Retry-After at once.
// (Real sockets are not durably blocking, so a bubble with a loopback
// server in it never advances its clock.)
package memnet

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
)

// Network is a set of listeners by address. Dialing an address nobody
// listens on is refused, as a closed loopback port is.
type Network struct {
	mu sync.Mutex
	ls map[string]*Listener
}

// Listen returns a listener for addr ("host:port") on n.
func (n *Network) Listen(addr string) *Listener {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ls == nil {
		n.ls = map[string]*Listener{}
	}
	l := &Listener{n: n, addr: pipeAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	n.ls[addr] = l
	return l
}

// Dial connects to the listener at address, for http.Transport.DialContext.
func (n *Network) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	l := n.ls[address]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: network, Addr: pipeAddr(address), Err: syscall.ECONNREFUSED}
	if l == nil {
		return nil, refused
	}
	c, s := net.Pipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.done:
		c.Close()
		s.Close()
		return nil, refused
	case <-ctx.Done():
		c.Close()
		s.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: pipeAddr(address), Err: ctx.Err()}
	}
}

// Client returns an HTTP client whose connections go over n. Close its
// idle connections when done (CloseIdleConnections), or their goroutines
// keep a synctest bubble from ending.
func (n *Network) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: n.Dial}}
}

// Server starts an httptest server for h on addr and closes it, and the
// client's idle connections, with t.
func (n *Network) Server(t interface{ Cleanup(func()) }, addr string, h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = n.Listen(addr)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// Listener is one address's listener on a Network.
type Listener struct {
	n     *Network
	addr  pipeAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops l; dialing its address is refused from then on.
func (l *Listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		if l.n.ls[string(l.addr)] == l {
			delete(l.n.ls, string(l.addr))
		}
		l.n.mu.Unlock()
	})
	return nil
}

func (l *Listener) Addr() net.Addr { return l.addr }

type pipeAddr string

func (a pipeAddr) Network() string { return "memnet" }
func (a pipeAddr) String() string  { return string(a) }
