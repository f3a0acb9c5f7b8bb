package providertest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
)

// CheckHeadAsGet sends GET, then HEAD, to u with header, and checks that
// the HEAD is answered as the GET was, without content
// (RFC 9110 Section 9.3.2): the same status, the same header fields with
// the same values, except Date and the fields named in varying (made anew
// for each response: a request id, a cookie, a nonce), which need only be
// there both times, and Content-Length, which the HEAD's answer may leave
// out but not change (RFC 9110 Section 8.6: net/http leaves it out when
// the handlers wrote nothing). Each request goes over a connection of its
// own, read raw: Go's client would not read content after a HEAD's header,
// so any there would go unseen, and it would ask for gzip on the GET only.
func CheckHeadAsGet(t testing.TB, u string, header http.Header, varying ...string) {
	t.Helper()
	want, _ := rawExchange(t, http.MethodGet, u, header)
	got, content := rawExchange(t, http.MethodHead, u, header)
	if got.StatusCode != want.StatusCode {
		t.Errorf("HEAD %s: got status %d, want %d as for GET", u, got.StatusCode, want.StatusCode)
	}
	if len(content) != 0 {
		t.Errorf("HEAD %s: got %d bytes of content after the header, want none: %q", u, len(content), content)
	}
	skip := append([]string{"Date"}, varying...)
	for _, name := range fieldNames(want.Header, got.Header) {
		g, w := got.Header.Values(name), want.Header.Values(name)
		switch {
		case name == "Content-Length" && len(g) == 0:
		case slices.Contains(skip, name) && (len(g) == 0) != (len(w) == 0):
			t.Errorf("HEAD %s: got %s %q, want it present as for GET (%q)", u, name, g, w)
		case !slices.Contains(skip, name) && !slices.Equal(g, w):
			t.Errorf("HEAD %s: got %s %q, want %q as for GET", u, name, g, w)
		}
	}
}

// rawExchange sends "method u" with header on a new connection, asking the
// server to close it after the answer, and returns the answer (its body
// read) and every byte the server sent after that.
func rawExchange(t testing.TB, method, u string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header, req.Close = header.Clone(), true
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer conn.Close()
	if err := req.Write(conn); err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	ReadBody(t, resp)
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s %s: reading to the end of the connection: %v", method, u, err)
	}
	return resp, rest
}

// fieldNames lists the field names of a and b, each once, sorted.
func fieldNames(a, b http.Header) []string {
	var names []string
	for _, h := range []http.Header{a, b} {
		for name := range h {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}
