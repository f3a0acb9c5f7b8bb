package web

// channelsView shows, in teaching mode, where the client reaches the
// provider: the issuer the browser is sent to (AUTH_SERVER), the back
// channel the client itself calls (AUTH_SERVER_INTERNAL, as inside docker
// compose), and whether the discovery document names the issuer the client
// trusts — the most common first-run failure of an OAuth setup, shown on
// screen ([RFC 8414 Section 3.3]: "The "issuer" value returned MUST be
// identical to the authorization server's issuer identifier value").
//
// [RFC 8414 Section 3.3]: https://www.rfc-editor.org/rfc/rfc8414#section-3.3
type channelsView struct {
	Teaching       bool
	Issuer         string // AUTH_SERVER
	BackChannel    string // AUTH_SERVER_INTERNAL, or AUTH_SERVER
	Split          bool   // the back channel differs from the issuer
	MetadataIssuer string // "issuer" of the discovery document fetched over the back channel
	Agrees         bool
}

// channelsView describes the client's two ways to the provider.
func (a *App) channelsView() channelsView {
	return channelsView{
		Teaching:       a.cfg.Teaching(),
		Issuer:         a.cfg.AuthServer,
		BackChannel:    a.cfg.BackChannel(),
		Split:          a.cfg.BackChannel() != a.cfg.AuthServer,
		MetadataIssuer: a.public.Issuer,
		Agrees:         a.public.Issuer == a.cfg.AuthServer,
	}
}
