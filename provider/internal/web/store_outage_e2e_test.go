package web_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/oauth-reference/provider/internal/config"
	"github.com/oauth-reference/provider/internal/store/postgres/pgtest"
	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// TestE2EStoreOutage: while PostgreSQL cannot be reached, a request that
// needs the store is answered 503 with Retry-After and
// temporarily_unavailable (JSON at the token and introspection endpoints and
// the resource, a page at the sign-in form, at an authorization request with a
// login session, whose session cannot be checked, and at logout), not 500
// server_error; once PostgreSQL is back the same refresh token works, and
// the logout that failed has not signed the browser out. The outage is
// one warning in the log, not one per request. PostgreSQL only: SQLite is
// a file of the process's own, with no connection to lose.
func TestE2EStoreOutage(t *testing.T) {
	db := pgtest.NewSchemas(t).Create(t)
	link := newCuttableLink(t, db)
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log, Configure: func(c *config.Config) { c.DatabaseURL = link.url }})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	b := newBrowser(t)
	tok := b.tokens(srv, cfg)

	link.cut()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	resp, body := rawPost(t, srv.URL+"/oauth/token", form.Encode(), basic("testclient", "testsecret"))
	wantUnavailable(t, "refresh", resp, body, true)
	resp, body = tokenQuery(t, srv, "/oauth/introspect", tok.RefreshToken, demoBasic)
	wantUnavailable(t, "introspection", resp, body, true)
	resp, body = rawPost(t, srv.URL+"/oauth/authenticate", okAuth+demoLogin, nil)
	wantUnavailable(t, "sign-in", resp, body, false)
	resp, body = callResource(t, srv.URL+"/protected/resource", tok.AccessToken)
	wantUnavailable(t, "bearer check", resp, body, true)
	resp, body = b.Get(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	wantUnavailable(t, "authorization page with a login session", resp, body, false)
	resp, body = b.logout(srv, http.MethodGet, url.Values{"id_token_hint": {tok.Extra("id_token").(string)}})
	wantUnavailable(t, "logout", resp, body, false)
	if n := strings.Count(log.String(), `level=WARN msg="store unavailable`); n != 1 {
		t.Errorf("got %d warnings store unavailable for six requests answered 503, want 1:\n%s", n, log.String())
	}

	link.restore()
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Errorf("refresh once PostgreSQL is back: %v", err)
	}
	if !b.loggedIn(srv) {
		t.Error("once PostgreSQL is back the browser is signed out, want the failed logout to have changed nothing")
	}
}

// wantUnavailable checks a 503 with Retry-After; a JSON answer (isJSON)
// must say temporarily_unavailable.
func wantUnavailable(t *testing.T, what string, resp *http.Response, body string, isJSON bool) {
	t.Helper()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("%s without PostgreSQL: got %d (Retry-After %q) %.200s, want 503 with Retry-After",
			what, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	var answer tokenResponse // its error members
	if isJSON && (json.Unmarshal([]byte(body), &answer) != nil || answer.Error != "temporarily_unavailable") {
		t.Errorf("%s without PostgreSQL: got %.200s, want error temporarily_unavailable", what, body)
	}
}

// cuttableLink is a TCP relay between the provider and PostgreSQL that the
// test can cut (every connection closed, new ones refused) and restore on
// the same address: a database outage without stopping the shared server.
type cuttableLink struct {
	t      *testing.T
	url    string // the database URL, through the relay
	addr   string // the relay's address
	target string // PostgreSQL's host:port

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func newCuttableLink(t *testing.T, databaseURL string) *cuttableLink {
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	link := &cuttableLink{t: t, target: u.Host}
	link.listen("127.0.0.1:0")
	u.Host = link.addr
	link.url = u.String()
	t.Cleanup(link.cut)
	return link
}

func (l *cuttableLink) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		l.t.Fatal(err)
	}
	l.mu.Lock()
	l.ln, l.addr = ln, ln.Addr().String()
	l.mu.Unlock()
	go l.accept(ln)
}

func (l *cuttableLink) accept(ln net.Listener) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", l.target)
		if err != nil {
			in.Close()
			continue
		}
		l.mu.Lock()
		l.conns = append(l.conns, in, out)
		l.mu.Unlock()
		go relay(in, out)
		go relay(out, in)
	}
}

func relay(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// cut closes the listener and every relayed connection.
func (l *cuttableLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// restore listens again on the relay's address.
func (l *cuttableLink) restore() {
	l.listen(l.addr)
}

// TestE2EStoreDatabaseDropped: while PostgreSQL answers but the provider's
// database is gone (dropped WITH (FORCE) under the running provider, which
// ends its connections), a request that needs the store is answered 503
// with Retry-After and temporarily_unavailable, not 500 server_error, and
// the outage is one warning in the log, not an error per request.
// PostgreSQL only: the provider has a database of its own, made and dropped
// by the test.
func TestE2EStoreDatabaseDropped(t *testing.T) {
	db, dropDatabase := ownDatabase(t)
	var log processtest.Buffer
	srv := providertest.New(t, providertest.Options{LogOutput: &log, Configure: func(c *config.Config) { c.DatabaseURL = db }})
	cfg := demoConfig(srv, oauth2.AuthStyleInHeader, "openid", "read")
	tok := newBrowser(t).tokens(srv, cfg)

	dropDatabase()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()
	for range 3 {
		resp, body := rawPost(t, srv.URL+"/oauth/token", form, basic("testclient", "testsecret"))
		wantUnavailable(t, "refresh", resp, body, true)
	}
	resp, body := tokenQuery(t, srv, "/oauth/introspect", tok.RefreshToken, demoBasic)
	wantUnavailable(t, "introspection", resp, body, true)
	if n := strings.Count(log.String(), `level=WARN msg="store unavailable`); n != 1 {
		t.Errorf("got %d warnings store unavailable for four requests answered 503, want 1:\n%s", n, log.String())
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("the log has an error for a dropped database, want a warning only:\n%s", log.String())
	}
}

// ownDatabase makes a database of the test's own on the server
// TEST_DATABASE_URL names, and returns its URL and a func that drops it
// WITH (FORCE), ending the connections to it; it is dropped when t ends
// if it was not before.
func ownDatabase(t *testing.T) (string, func()) {
	server := pgtest.DatabaseURL(t)
	admin, err := pgx.Connect(t.Context(), server)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	name := "oauth_dropped_" + strings.ToLower(rand.Text()[:16])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(t.Context(), "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("create database: %v", err)
	}
	drop := func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	}
	t.Cleanup(drop)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String(), drop
}
