package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"

	"github.com/oauth-reference/provider/internal/store"
)

// LogoutRequest is a logout request at the end_session_endpoint of
// [OIDC RP-Initiated Logout Section 2], from the query of a GET or the form
// of a POST ("OPs MUST support the use of the HTTP GET and POST methods").
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
type LogoutRequest struct {
	IDTokenHint           string
	ClientID              string
	PostLogoutRedirectURI string
	State                 string
	// UILocales is ui_locales, the "End-User's preferred languages and
	// scripts for the user interface" of the logout pages
	// ([OIDC RP-Initiated Logout Section 2]); it is never an error.
	//
	// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
	UILocales string
	// SessionUserID is the user signed in at the provider ("" for none):
	// not a parameter, but what the login session says.
	SessionUserID string
}

// RawLogoutRequest is a logout request as the web layer received it: its
// parameters (the query of a GET, the form of a POST), with what the web
// layer knows besides.
type RawLogoutRequest struct {
	Params        url.Values // the request's; the confirmation form adds decision and csrf_token
	Post          bool       // it came by POST, as the confirmation form sends it
	CSRFValid     bool       // csrf_token is the login session's (web compares them: the session is its cookie)
	SessionUserID string     // the user signed in at the provider ("" for none)
}

// Logout answers a logout request at the end_session_endpoint of
// [OIDC RP-Initiated Logout Section 2], in three steps: it reads the
// parameters, each at most once (parseLogoutRequest), validates the
// request (checkLogout), then decides what it comes to (decide). It returns the step and the logout; an
// invalid request is LogoutRefused with its error, for an error page, and
// then the logout holds only the request as read (zero when its
// parameters could not be read), for the page's language.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
func (p *Provider) Logout(ctx context.Context, raw RawLogoutRequest) (LogoutStep, *Logout, *Error) {
	r, err := parseLogoutRequest(ctx, raw.Params, raw.SessionUserID)
	if err != nil {
		return LogoutRefused, &Logout{Request: r}, err
	}
	l, err := p.checkLogout(ctx, r)
	if err != nil {
		return LogoutRefused, &Logout{Request: r}, err
	}
	step, err := l.decide(ctx, raw.Params.Get("decision"), raw.Post, raw.CSRFValid)
	return step, l, err
}

// ruleLogoutParamOnce: the logout request's parameters
// ([OIDC RP-Initiated Logout Section 2]), and the confirmation page's
// answer (decision, csrf_token), each come at most once, as text: which
// copy of a repeated one would count is anyone's guess.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
var ruleLogoutParamOnce = Rule{"each parameter of the logout request (query parameter, or form field of a POST) is sent at most once, as UTF-8 text", "OIDC RP-Initiated Logout Section 2"}

// parseLogoutRequest reads a logout request's parameters under
// ruleLogoutParamOnce, and the signed-in user's id. The confirmation
// page's decision and csrf_token are checked here too; decide and the web
// layer read them.
func parseLogoutRequest(ctx context.Context, params url.Values, sessionUserID string) (LogoutRequest, *Error) {
	r := LogoutRequest{SessionUserID: sessionUserID}
	var decision, csrfToken string
	err := readEach(params, []param{{"id_token_hint", &r.IDTokenHint}, {"client_id", &r.ClientID},
		{"post_logout_redirect_uri", &r.PostLogoutRedirectURI}, {"state", &r.State}, {"ui_locales", &r.UILocales},
		{"decision", &decision}, {"csrf_token", &csrfToken}})
	tr := TraceFrom(ctx)
	if err != nil {
		return LogoutRequest{}, tr.Fail(ruleLogoutParamOnce, ErrInvalidRequest, err.Description)
	}
	tr.Check(ruleLogoutParamOnce, true)
	return r, nil
}

// FormValues returns the parameters the confirmation form sends back: the
// request's, except that the client the id_token_hint named goes as
// client_id instead of the ID token, which the page need not hold. Without
// the hint the confirmation asks the user anyway.
func (l *Logout) FormValues() url.Values {
	v := url.Values{}
	clientID := l.Request.ClientID
	if l.Client != nil {
		clientID = l.Client.ID
	}
	for name, value := range map[string]string{
		"client_id": clientID, "post_logout_redirect_uri": l.Request.PostLogoutRedirectURI, "state": l.Request.State,
		"ui_locales": l.Request.UILocales,
	} {
		if value != "" {
			v.Set(name, value)
		}
	}
	return v
}

// Logout is what the provider does for a valid logout request: end the
// login session, after the user confirmed when Confirm says so, then send
// the browser to RedirectURI, or show that the user is signed out when it
// is "".
type Logout struct {
	Request LogoutRequest
	// Client is the relying party, named by a valid id_token_hint or by
	// client_id; nil when the request named none.
	Client *store.Client
	// Confirm asks the user first: [OIDC RP-Initiated Logout Section 6]:
	// "Logout requests without a valid id_token_hint value are a potential
	// means of denial of service; therefore, OPs should obtain explicit
	// confirmation from the End-User before acting upon them." A valid hint
	// for another user than the one signed in is asked about too.
	//
	// The user is asked too before being sent to a post_logout_redirect_uri
	// this server does not vouch for (RedirectUntrusted).
	//
	// [OIDC RP-Initiated Logout Section 6]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#Security
	Confirm bool
	// RedirectURI is the registered post_logout_redirect_uri with state.
	RedirectURI string
	// RedirectUntrusted says RedirectURI is not one this server sends the
	// browser to on its own (TrustsRedirect): an https URI the client
	// registered for itself.
	RedirectUntrusted bool
}

// checkLogout validates a logout request
// ([OIDC RP-Initiated Logout Section 2],
// [OIDC RP-Initiated Logout Section 3]). Any failure is an error for a page,
// never a redirect: [OIDC RP-Initiated Logout Section 4]: "If any of the
// validation procedures defined in this specification fail, any operations
// requiring the information that failed to correctly validate MUST be
// aborted and the information that failed to validate MUST NOT be used."
// Nothing is changed here: decide says what the request comes to, and the
// web layer ends the session.
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
// [OIDC RP-Initiated Logout Section 4]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ValidationAndErrorHandling
func (p *Provider) checkLogout(ctx context.Context, r LogoutRequest) (*Logout, *Error) {
	tr := TraceFrom(ctx)
	hintSubject, clientID, err := p.checkIDTokenHint(tr, r)
	if err != nil {
		return nil, err
	}
	l := &Logout{Request: r}
	if clientID != "" {
		client, err := p.getClient(ctx, clientID)
		if refused, ok := documentClientError(err); ok {
			return nil, refused
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, ServerError(err)
		}
		if err := tr.Require(ruleLogoutClientKnown, err == nil, ErrInvalidRequest, "unknown client_id "+quoteShort(clientID)); err != nil {
			return nil, err
		}
		l.Client = &client
	}
	if l.RedirectURI, err = postLogoutRedirect(tr, l.Client, r); err != nil {
		return nil, err
	}
	hinted := hintSubject != "" && (r.SessionUserID == "" || hintSubject == r.SessionUserID)
	l.RedirectUntrusted = l.RedirectURI != "" && !TrustsRedirect(*l.Client, r.PostLogoutRedirectURI)
	switch {
	case l.RedirectUntrusted:
		tr.Check(ruleRedirectAskFirst, true)
	case hinted && r.SessionUserID == "":
		tr.Check(ruleLogoutHintedNoSession, true)
	case hinted:
		tr.Check(ruleLogoutHinted, true)
	default:
		tr.Check(ruleLogoutConfirm, true)
	}
	l.Confirm = !hinted || l.RedirectUntrusted
	return l, nil
}

// LogoutStep is what a logout request comes to.
type LogoutStep int

const (
	// LogoutAsk shows the confirmation page: Confirm, and no answer yet;
	// or, with an error, again after an answer that did not come from it.
	LogoutAsk LogoutStep = iota
	// LogoutEnd ends the login session and sends the browser on.
	LogoutEnd
	// LogoutStay changes nothing: the user chose to stay signed in.
	LogoutStay
	// LogoutRefused shows an error page, never a redirect: the request is
	// invalid (parseLogoutRequest, checkLogout).
	LogoutRefused
)

// The answers the logout confirmation page offers (its "decision" field).
const (
	LogoutDecisionEnd  = "logout"
	LogoutDecisionStay = "stay"
)

// decide turns the answer to the confirmation page into the step the
// logout comes to. Without an answer: LogoutAsk when Confirm says to ask
// first, else LogoutEnd. An answer must come back from that page as the
// page sends it, by POST (post) with the login session's CSRF token
// (csrfValid), or it is refused under ruleFormCSRF (a forged sign-out);
// then LogoutDecisionEnd ends the session and any other answer
// (LogoutDecisionStay) changes nothing.
func (l *Logout) decide(ctx context.Context, decision string, post, csrfValid bool) (LogoutStep, *Error) {
	tr := TraceFrom(ctx)
	switch {
	case decision == "" && l.Confirm:
		tr.Succeeded("logout confirmation page shown")
		return LogoutAsk, nil
	case decision == "":
		return LogoutEnd, nil
	}
	if err := CheckFormCSRF(ctx, post && csrfValid); err != nil {
		return LogoutAsk, err
	}
	if decision == LogoutDecisionEnd {
		return LogoutEnd, nil
	}
	if l.Request.SessionUserID == "" {
		tr.Succeeded("the visitor cancelled: no one was signed in")
	} else {
		tr.Succeeded("the user stayed signed in")
	}
	return LogoutStay, nil
}

// The rules of a logout request ([OIDC RP-Initiated Logout Section 2],
// [OIDC RP-Initiated Logout Section 3], [OIDC RP-Initiated Logout Section 6]).
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
// [OIDC RP-Initiated Logout Section 6]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#Security
var (
	ruleLogoutHintIssued      = Rule{"the id_token_hint is an ID token this provider issued (signature, iss; it may have expired)", "OIDC RP-Initiated Logout Section 2"}
	ruleLogoutHintClient      = Rule{"client_id is the audience of the id_token_hint", "OIDC RP-Initiated Logout Section 2"}
	ruleLogoutClientKnown     = Rule{"the client named by the id_token_hint or client_id is registered", "OIDC RP-Initiated Logout Section 2"}
	ruleLogoutRedirectClient  = Rule{"a post_logout_redirect_uri comes with an id_token_hint or client_id naming its client", "OIDC RP-Initiated Logout Section 3"}
	ruleLogoutRedirectMatches = Rule{"the post_logout_redirect_uri exactly matches one the client registered", "OIDC RP-Initiated Logout Section 3"}
	// One of these three, or ruleRedirectAskFirst, says whether the user is asked first.
	ruleLogoutHinted          = Rule{"a valid id_token_hint of the signed-in user lets the logout proceed without asking the user", "OIDC RP-Initiated Logout Section 6"}
	ruleLogoutHintedNoSession = Rule{"with no one signed in, a valid id_token_hint lets the logout proceed without asking: there is no session to end", "OIDC RP-Initiated Logout Section 6"}
	ruleLogoutConfirm         = Rule{"without a valid id_token_hint of the signed-in user, the user confirms the logout first", "OIDC RP-Initiated Logout Section 6"}
)

// checkIDTokenHint validates the id_token_hint, if any, and returns its
// subject and the client it names (client_id otherwise). "When both
// client_id and id_token_hint are present, the OP MUST verify that the
// Client Identifier matches the one used when issuing the ID Token"
// ([OIDC RP-Initiated Logout Section 2]).
//
// [OIDC RP-Initiated Logout Section 2]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
func (p *Provider) checkIDTokenHint(tr *Trace, r LogoutRequest) (subject, clientID string, err *Error) {
	if r.IDTokenHint == "" {
		return "", r.ClientID, nil
	}
	claims, err := p.verifyIDTokenHint(tr, ruleLogoutHintIssued, r.IDTokenHint)
	if err != nil {
		return "", "", err
	}
	if r.ClientID != "" {
		if err := tr.Require(ruleLogoutHintClient, r.ClientID == claims.Audience, ErrInvalidRequest,
			"client_id does not match the audience of the id_token_hint"); err != nil {
			return "", "", err
		}
	}
	return claims.Subject, claims.Audience, nil
}

// postLogoutRedirect returns where to send the browser after the logout:
// the post_logout_redirect_uri with state added to its own query (withQuery),
// or "" when none was asked for.
// [OIDC RP-Initiated Logout Section 3]: "The OP also MUST NOT perform
// post-logout redirection if the post_logout_redirect_uri value supplied
// does not exactly match one of the previously registered
// post_logout_redirect_uris values." Without a client to look its
// registrations up (neither id_token_hint nor client_id) nothing can match.
// Without a valid hint, the user's confirmation and the exact match are the
// "other means of confirming the legitimacy of the post-logout redirection
// target" that section asks for.
//
// [OIDC RP-Initiated Logout Section 3]: https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
func postLogoutRedirect(tr *Trace, client *store.Client, r LogoutRequest) (string, *Error) {
	if r.PostLogoutRedirectURI == "" {
		return "", nil
	}
	if err := tr.Require(ruleLogoutRedirectClient, client != nil, ErrInvalidRequest,
		"post_logout_redirect_uri needs an id_token_hint or a client_id naming the client that registered it"); err != nil {
		return "", err
	}
	if err := tr.Require(ruleLogoutRedirectMatches, slices.Contains(client.PostLogoutRedirectURIs, r.PostLogoutRedirectURI), ErrInvalidRequest,
		"post_logout_redirect_uri "+quoteURI(r.PostLogoutRedirectURI)+" is not registered for client "+quote(client.ID)); err != nil {
		return "", err
	}
	if r.State == "" {
		return r.PostLogoutRedirectURI, nil
	}
	return withQuery(r.PostLogoutRedirectURI, url.Values{"state": {r.State}}), nil
}
