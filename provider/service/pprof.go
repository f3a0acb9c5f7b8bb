package service

import (
	"net/http"
	"net/http/pprof"
)

// Pprof returns the handler of the profiling listener (DEBUG_ADDR): the
// runtime profiles of net/http/pprof under /debug/pprof/, for
// `go tool pprof` (README, "Profiling"). It is served on its own loopback
// listener, never beside the public routes: profiles show the code paths,
// allocation sites, goroutine stacks and command line of the process. A
// CPU profile or trace extends the server's WriteTimeout by its duration.
func Pprof() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also serves each named profile: heap, goroutine, allocs, …
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
