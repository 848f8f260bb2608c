package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/carrierkit/carrierkit/internal/vendorfake"
)

// ServeEndpoints serves e on every listener of lns, as endpoints 1..N of
// each vendor sharing one in-memory state (the way a carrier's edges share
// a region), until ctx is done. Faults can target one endpoint
// (Fault.Endpoint), and Fault.Refuse closes one endpoint's listener until
// the faults are cleared. Each listener shuts down as Serve's does.
func (e *Emulator) ServeEndpoints(ctx context.Context, lns []net.Listener) error {
	wait, err := e.StartEndpoints(ctx, lns)
	if err != nil {
		return err
	}
	return wait()
}

// StartEndpoints starts serving as ServeEndpoints does and returns at once;
// wait blocks until ctx is done and every listener has shut down.
func (e *Emulator) StartEndpoints(ctx context.Context, lns []net.Listener) (wait func() error, err error) {
	if len(lns) == 0 {
		return nil, errors.New("emulator: no listener")
	}
	set := &endpointSet{e: e, ctx: ctx}
	for _, ln := range lns {
		set.eps = append(set.eps, &listenerState{addr: ln.Addr().String()})
	}
	if !e.endpoints.CompareAndSwap(nil, set) {
		return nil, errors.New("emulator: already serving endpoints")
	}
	set.mu.Lock()
	for i, ln := range lns {
		set.start(i, ln)
	}
	set.mu.Unlock()
	return func() error {
		<-ctx.Done()
		set.wait()
		e.endpoints.Store(nil)
		return nil
	}, nil
}

// endpointSet is the listeners of ServeEndpoints.
type endpointSet struct {
	e   *Emulator
	ctx context.Context

	mu  sync.Mutex
	eps []*listenerState
}

type listenerState struct {
	addr   string
	ln     *closeOnce
	cancel context.CancelFunc // nil while refusing
	done   chan struct{}      // closed when its Serve returned
}

// closeOnce is a listener a refuse closes at once, before the server's
// graceful shutdown closes it again (a no-op then).
type closeOnce struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *closeOnce) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

// start serves endpoint i on ln. Callers hold s.mu.
func (s *endpointSet) start(i int, ln net.Listener) {
	ctx, cancel := context.WithCancel(s.ctx)
	st := s.eps[i]
	st.ln = &closeOnce{Listener: ln}
	st.cancel, st.done = cancel, make(chan struct{})
	done, l := st.done, st.ln
	go func() {
		defer close(done)
		_ = s.e.serve(ctx, l, vendorfake.ForEndpoint(s.e, i+1))
	}()
}

func (s *endpointSet) bases() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.eps))
	for i, st := range s.eps {
		out[i] = "http://" + st.addr
	}
	return out
}

// refuse closes endpoint n's listener before it returns, so no connection
// is accepted after; it does not wait for the requests in flight (the
// admin request asking for it may be one of them), which the shutdown
// lets finish.
func (e *Emulator) refuse(f Fault) error {
	set := e.endpoints.Load()
	switch {
	case f.Provider != "":
		return errors.New("refuse applies to every provider of an endpoint: leave provider empty")
	case set == nil || f.Endpoint < 1 || f.Endpoint > len(set.eps):
		return fmt.Errorf("refuse: endpoint must be a number from 1 to %d", e.endpointCount())
	}
	set.mu.Lock()
	defer set.mu.Unlock()
	if st := set.eps[f.Endpoint-1]; st.cancel != nil {
		st.cancel()
		_ = st.ln.Close()
		st.cancel = nil
	}
	return nil
}

// restoreAll listens again on the address of every refusing endpoint.
func (s *endpointSet) restoreAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	for i, st := range s.eps {
		if st.cancel != nil {
			continue
		}
		<-st.done
		ln, err := net.Listen("tcp", st.addr)
		if err != nil { // the port was taken meanwhile: the endpoint stays down
			if s.e.Logger != nil {
				s.e.Logger.Warn("emulator endpoint cannot listen again")
			}
			continue
		}
		s.start(i, ln)
	}
}

func (s *endpointSet) wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.eps {
		if st.cancel != nil {
			st.cancel()
		}
		<-st.done
	}
}

func (e *Emulator) endpointCount() int {
	if set := e.endpoints.Load(); set != nil {
		return len(set.eps)
	}
	return 1
}
