// Package xray is the client's teaching record of a flow: one Hop per step a
// learner should see, in order, each with what crossed the wire (masked),
// the checks the client made itself, and the checks the provider reports
// for the same request in its trace (GET /debug/trace/{X-Request-Id}).
//
// The walkthrough on the home page, the step-by-step pages, the resource,
// refresh and logout pages all show Hops; so can any page that runs an
// exchange (an attack, the token inspector). Nothing a Hop holds can be
// replayed: tokens and codes are masked and secrets never kept.
package xray
