package pgtest

import (
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// SilentLink is a TCP relay on 127.0.0.1 between the code under test and
// PostgreSQL whose connections the test can make go silent: data sent on
// them is dropped, nothing answers and nothing is closed, as when the
// database's host vanishes without a reset (a failover, a network
// partition). Connections made after that are relayed as before.
type SilentLink struct {
	URL string // the database URL, through the relay

	mu      sync.Mutex
	silence *atomic.Bool // the flag of the connections made so far
	conns   []net.Conn
	down    bool // new connections are silent from the start
}

// NewSilentLink starts a relay to the server databaseURL names; it stops
// listening when t ends.
func NewSilentLink(t testing.TB, databaseURL string) *SilentLink {
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	link := &SilentLink{silence: new(atomic.Bool)}
	go link.accept(ln, u.Host)
	u.Host = ln.Addr().String()
	link.URL = u.String()
	return link
}

func (l *SilentLink) accept(ln net.Listener, target string) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", target)
		if err != nil {
			in.Close()
			continue
		}
		l.mu.Lock()
		silence := l.silence
		if l.down {
			silence.Store(true)
		}
		l.conns = append(l.conns, in, out)
		l.mu.Unlock()
		go relayUnlessSilent(in, out, silence)
		go relayUnlessSilent(out, in, silence)
	}
}

// relayUnlessSilent copies src to dst, dropping what arrives once silence
// is set.
func relayUnlessSilent(dst, src net.Conn, silence *atomic.Bool) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !silence.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// SilenceAll makes every connection made so far silent.
func (l *SilentLink) SilenceAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.silence.Store(true)
	l.silence = new(atomic.Bool)
}

// GoDown makes every connection silent, those made from now on too: the
// host is gone, yet something accepts connections to its address (a load
// balancer, a proxy), and nothing ever answers.
func (l *SilentLink) GoDown() {
	l.mu.Lock()
	l.down = true
	l.mu.Unlock()
	l.SilenceAll()
}

// ComeBack ends GoDown: connections made from now on are relayed again.
// Those silenced stay silent (what was dropped is lost); a client gives
// them up as it would after a partition.
func (l *SilentLink) ComeBack() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
	l.silence = new(atomic.Bool) // the flag of the connections made while down is set
}

// CloseAll closes every connection made so far, so that what was silent
// ends at once.
func (l *SilentLink) CloseAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}
