// Command baregin is the load tool's floor: the same Gin as the provider,
// with no middleware and four handlers. GET /protected/resource answers a
// fixed page, the provider's own once the load tool has sent it (PUT
// /page): what the provider spends per request beyond this is what its
// own work costs. POST /oauth/token answers a token response
// whose token it has just signed with RS256, reading nothing of the
// request: the least an HTTP server that signs each token can spend, to
// set the provider's client credentials path beside. POST
// /oauth/introspect reads the form and answers an active token's
// introspection of the provider's size, checking nothing: the least an
// HTTP server that answers an introspection request can spend, to set the
// provider's introspection path beside (README, "Performance").
//
//	BAREGIN_ADDR=127.0.0.1:8081 baregin
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/oauth-reference/loadtest/internal/baresign"
)

// defaultPage is the page served until the load tool sends the
// provider's (PUT /page), so that the bare handler writes as many bytes
// per request as the provider's bearer check.
var defaultPage = []byte("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Protected resource</title></head>\n" +
	"<body><main><h1>Protected resource</h1><p>This page is secured.</p></main></body></html>\n")

// maxPage bounds the page PUT /page accepts.
const maxPage = 1 << 20

// pageServer serves one page, which PUT /page replaces.
type pageServer struct{ page atomic.Pointer[[]byte] }

// newPageServer serves defaultPage.
func newPageServer() *pageServer {
	s := &pageServer{}
	s.page.Store(&defaultPage)
	return s
}

// serve answers the page.
func (s *pageServer) serve(c *gin.Context) {
	c.Data(http.StatusOK, "text/html; charset=utf-8", *s.page.Load())
}

// replace makes the request's body the page.
func (s *pageServer) replace(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxPage))
	if err != nil || len(body) == 0 {
		c.Status(http.StatusBadRequest)
		return
	}
	s.page.Store(&body)
	c.Status(http.StatusNoContent)
}

// tokenResponse is a token answer's JSON, as the provider writes it
// (RFC 6749 Section 5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// introspection is an active token's introspection answer, with the
// members the provider's has (RFC 7662 Section 2.2).
type introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope"`
	ClientID  string `json:"client_id"`
	TokenType string `json:"token_type"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	Issuer    string `json:"iss"`
	JTI       string `json:"jti"`
}

// introspect answers an introspection request as if its token were
// active, once its form has a token: what every introspection costs an
// HTTP server before it looks at the token.
func introspect(c *gin.Context) {
	if c.PostForm("token") == "" {
		c.Status(http.StatusBadRequest)
		return
	}
	now := time.Now().Unix()
	issuer := "http://" + c.Request.Host
	c.JSON(http.StatusOK, introspection{Active: true, Scope: "read", ClientID: "testclient", TokenType: "Bearer",
		ExpiresAt: now + 3600, IssuedAt: now, Subject: "testclient", Audience: issuer, Issuer: issuer, JTI: "pTDHEZbFJ68FsBgfS9hrcw"})
}

// signedToken is a token answer carrying a JWS made now with sign.
func signedToken(sign func() []byte) tokenResponse {
	token := string(baresign.Input) + "." + base64.RawURLEncoding.EncodeToString(sign())
	return tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: 3600, Scope: "read"}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "baregin:", err)
		os.Exit(1)
	}
}

// run serves on BAREGIN_ADDR until SIGTERM or SIGINT.
func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sign, _, err := baresign.New("RS256")
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	pages := newPageServer()
	r.GET("/protected/resource", pages.serve)
	r.PUT("/page", pages.replace)
	r.POST("/oauth/token", func(c *gin.Context) { c.JSON(http.StatusOK, signedToken(sign)) })
	r.POST("/oauth/introspect", introspect)
	srv := &http.Server{Addr: os.Getenv("BAREGIN_ADDR"), Handler: r, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
