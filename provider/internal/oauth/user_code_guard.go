package oauth

import "time"

// The limits of user-code entry at the verification URI, per requester of
// the verification page (an IP address, or an IPv6 /64: see attemptBudget).
const (
	// UserCodeEntriesPerMinute is how many codes one requester may enter
	// per minute, right or wrong: the rate limit (a RateLimit of this
	// process).
	UserCodeEntriesPerMinute = 20
	// WrongUserCodesPerAddress is how many wrong codes one requester may
	// enter per guess window (the device code lifetime), in all provider
	// processes together.
	WrongUserCodesPerAddress = 10
)

// newUserCodeRateLimit is the rate limit of user-code entry:
// UserCodeEntriesPerMinute per requester.
func newUserCodeRateLimit() *RateLimit { return NewRateLimit(UserCodeEntriesPerMinute, time.Minute) }

// userCodeBudget is the brute-force defence of user-code entry,
// [RFC 8628 Section 5.1]: "it is recommended that the server rate-limit
// user code attempts. The user code SHOULD have enough entropy that, when
// combined with rate-limiting and other mitigations, a brute-force attack
// becomes infeasible."
//
// A wrong guess names no code, so it cannot be charged to the code it was
// aimed at; but every wrong guess made while a code is pending is a guess
// at that code (and at every other pending one). The guess window is the
// device code lifetime, and it slides (reserveAttempt): over any stretch
// of one lifetime at most 2 × WrongUserCodesPerAddress wrong guesses pass
// from any one requester, so a code faces at most that many (a chance of
// 20 / 20^8 ≈ 2^-30.3 that they hit it), and from an
// IPv6 /48 at most ratelimit.NetworkBudgetFactor times that. The RFC's example: with
// 34.5 bits, allowing "5 attempts" gives "the same 2^-32 probability of
// success by random guessing".
//
// There is no budget shared by all requesters: it would let an attacker
// with many addresses spend it and lock every user out of code entry. The
// price: an attacker with N addresses (or /48s) makes N times the guesses;
// 10,000 addresses would hit one given pending code with a chance of about
// 2^-17 per window. Entries that cannot be a code (the wrong length, a
// vowel) are no guess and are not counted; a code that exists is not a
// wrong guess either.
//
// [RFC 8628 Section 5.1]: https://www.rfc-editor.org/rfc/rfc8628#section-5.1
func (p *Provider) userCodeBudget() attemptBudget {
	return attemptBudget{kind: "user_code", limit: WrongUserCodesPerAddress, length: p.Config.DeviceCodeTTL}
}
