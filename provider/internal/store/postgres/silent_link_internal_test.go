package postgres

import (
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// silentLink is a TCP relay between a Store and PostgreSQL whose
// connections the test can make go silent: data sent on them is dropped,
// nothing answers and nothing is closed, as when the database's host
// vanishes without a reset (a failover, a network partition). Connections
// made after that are relayed as before.
type silentLink struct {
	url string // the database URL, through the relay

	mu      sync.Mutex
	silence *atomic.Bool // the flag of the connections made so far
	conns   []net.Conn
	down    bool // new connections are silent from the start
}

func newSilentLink(t *testing.T, databaseURL string) *silentLink {
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	link := &silentLink{silence: new(atomic.Bool)}
	go link.accept(ln, u.Host)
	u.Host = ln.Addr().String()
	link.url = u.String()
	return link
}

func (l *silentLink) accept(ln net.Listener, target string) {
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

// silenceAll makes every connection made so far silent.
func (l *silentLink) silenceAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.silence.Store(true)
	l.silence = new(atomic.Bool)
}

// goDown makes every connection silent, those made from now on too: the
// host is gone, yet something accepts connections to its address (a load
// balancer, a proxy), and nothing ever answers.
func (l *silentLink) goDown() {
	l.mu.Lock()
	l.down = true
	l.mu.Unlock()
	l.silenceAll()
}

// closeAll closes every connection made so far, so that what was silent
// ends at once.
func (l *silentLink) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}
