// Command baregin is the load tool's floor: the same Gin as the provider,
// with one handler and no middleware, answering GET /protected/resource
// with a small fixed page. What the provider spends per request beyond
// this is what its own work costs (README, "Performance").
//
//	BAREGIN_ADDR=127.0.0.1:8081 baregin
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// page is about the size of the provider's protected page.
var page = []byte("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Protected resource</title></head>\n" +
	"<body><main><h1>Protected resource</h1><p>This page is secured.</p></main></body></html>\n")

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
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/protected/resource", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", page) })
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
