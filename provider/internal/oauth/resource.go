package oauth

import (
	"net/url"
	"slices"
	"strings"

	"github.com/oauth-reference/provider/setting"
)

// maxResources bounds the resource parameters of one request.
const maxResources = 10

// The rules of resource indicators.
var (
	ruleResourceKnown   = Rule{"each resource is an absolute URI without fragment, naming a resource server this provider serves", "RFC 8707 Section 2"}
	ruleResourceGranted = Rule{"the access token is for one resource server, among those granted", "RFC 8707 Section 2.2"}
	// ruleResourceStillServed: a grant keeps the resource servers it was
	// approved for, but a token is issued only for one that RESOURCES (or
	// the provider's own) still names (audienceFor).
	ruleResourceStillServed = Rule{"the granted resource servers include one this server still issues tokens for", "RFC 8707 Section 2"}
)

// resourceParameters returns the values of a request's resource
// parameters without the empty ones. [RFC 6749 Section 3.1] (and, for the
// token endpoint, [RFC 6749 Section 3.2]): "Parameters sent without a value
// MUST be treated as if they were omitted from the request." So
// "resource=" names no resource, and "resource=&resource=<uri>" names one.
//
// [RFC 6749 Section 3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-3.1
// [RFC 6749 Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func resourceParameters(values []string) []string {
	return slices.DeleteFunc(slices.Clone(values), func(v string) bool { return v == "" })
}

// checkResources checks the resource parameters of an authorization or
// token request ([RFC 8707 Section 2]): "Its value MUST be an absolute URI,
// as specified by Section 4.3 of [RFC3986]. The URI MUST NOT include a
// fragment component. It SHOULD NOT include a query component, but it is
// recognized that there are cases that make a query component a useful and
// necessary part of the resource parameter", so one with a query is taken.
// setting.ResourceIndicator applies the two MUSTs, for RESOURCES too. Each
// must also name a resource server this provider issues tokens for (its own,
// and RESOURCES), in the spelling configured or an equivalent one
// (sameResource); else the answer is invalid_target, "The requested
// resource is invalid, missing, unknown, or malformed." An absolute URI of
// any scheme (urn:…) is a resource indicator, and unknown unless configured;
// the refusal does not list the resource servers this provider knows (it
// also reaches the client's redirect URI). The resources are returned in
// their configured spelling.
//
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func (p *Provider) checkResources(tr *Trace, values []string) ([]string, *Error) {
	if len(values) == 0 {
		return nil, nil
	}
	if len(values) > maxResources {
		return nil, tr.Fail(ruleResourceKnown, ErrInvalidTarget, "too many resource parameters")
	}
	known := p.Config.KnownResources()
	resources := make([]string, 0, len(values))
	for _, v := range values {
		u, ok := setting.ResourceIndicator(v)
		if !ok {
			return nil, tr.Fail(ruleResourceKnown, ErrInvalidTarget, "resource "+quoteURI(v)+" must be an absolute URI without a fragment")
		}
		configured, ok := configuredSpelling(known, u)
		if !ok {
			return nil, tr.Fail(ruleResourceKnown, ErrInvalidTarget, "resource "+quoteURI(v)+" is not one this server issues tokens for")
		}
		resources = append(resources, configured)
	}
	tr.Check(ruleResourceKnown, true)
	return dedupe(slices.Values(resources)), nil
}

// configuredSpelling is the resource of known that u names (sameResource),
// as configured; false when it names none.
func configuredSpelling(known []string, u *url.URL) (string, bool) {
	i := slices.IndexFunc(known, func(k string) bool { return sameResource(u, k) })
	if i < 0 {
		return "", false
	}
	return known[i], true
}

// sameResource reports whether u and the configured resource known are one
// URI once the spellings that [RFC 3986 Section 6.2.3] makes equivalent are
// normalized: "http://example.com", "http://example.com/" and
// "http://example.com:80/" are one resource, and a scheme or host in
// upper case is the same ([RFC 3986 Section 6.2.2.1]). Clients spell a
// server at the root with the slash (a browser's URL object does), others
// without; every other part (the path, the query) must match exactly.
//
// [RFC 3986 Section 6.2.3]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3
// [RFC 3986 Section 6.2.2.1]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2.1
func sameResource(u *url.URL, known string) bool {
	k, err := url.Parse(known)
	return err == nil && normalizedResource(u) == normalizedResource(k)
}

// normalizedResource is the spelling of an absolute URI that sameResource
// compares: scheme and host as normalizedSchemeHost spells them, and "/"
// for an empty path.
func normalizedResource(u *url.URL) string {
	n := *u
	n.Scheme, n.Host = normalizedSchemeHost(u)
	if n.Path == "" {
		n.Path, n.RawPath = "/", ""
	}
	return n.String()
}

// audienceFor chooses the one resource server an access token is for, its
// "aud" ([RFC 8707 Section 2.2]): the resource the token request names,
// which must be among those granted (a refresh may narrow to one: "such
// policy may limit the acceptable resources to those that were originally
// granted by the resource owner or a subset thereof"); or, when it names
// none, the only granted one. An authorization that named no resource
// grants the provider's own.
//
// The granted resources are those still served (servedOf): a resource
// server dropped from RESOURCES since the grant gets no more tokens, named
// or not, as [RFC 8707 Section 2] refuses a resource this server does not
// issue tokens for. Otherwise a client that names no resource, as most MCP
// clients do at a refresh, would go on receiving tokens for it until the
// refresh token expired. A grant whose resources are all gone is refused
// with invalid_target (ruleResourceStillServed); one that keeps some
// narrows to them, which the user approved: its token is for the one left.
// The grant itself is unchanged, so a resource server listed again gets
// tokens again.
//
// [RFC 8707 Section 2.2]: https://www.rfc-editor.org/rfc/rfc8707#section-2.2
// [RFC 8707 Section 2]: https://www.rfc-editor.org/rfc/rfc8707#section-2
func (p *Provider) audienceFor(tr *Trace, requested []string, granted string) (string, *Error) {
	if len(requested) == 0 && granted == "" {
		return p.Config.ResourceAudience(), nil // no resource named, none granted: nothing to check
	}
	resources, err := p.checkResources(tr, requested)
	if err != nil {
		return "", err
	}
	allowed, err := p.servedOf(tr, granted)
	if err != nil {
		return "", err
	}
	return chooseAudience(tr, resources, allowed)
}

// chooseAudience is the one resource of allowed a token is for: the one
// requested (already checked: checkResources), which must be among
// allowed, or allowed's only one when none is requested (audienceFor).
func chooseAudience(tr *Trace, resources, allowed []string) (string, *Error) {
	switch {
	case len(resources) > 1:
		return "", tr.Fail(ruleResourceGranted, ErrInvalidTarget, "name one resource per token request: an access token is for one resource server")
	case len(resources) == 1 && !slices.Contains(allowed, resources[0]):
		return "", tr.Fail(ruleResourceGranted, ErrInvalidTarget, "resource "+quoteURI(resources[0])+" was not granted")
	case len(resources) == 0 && len(allowed) > 1:
		return "", tr.Fail(ruleResourceGranted, ErrInvalidTarget, "the grant covers several resources: name one with the resource parameter")
	case len(resources) == 1:
		allowed = resources
	}
	tr.Check(ruleResourceGranted, true)
	return allowed[0], nil
}

// servedOf is the granted resources (space-separated, in the spelling
// configured when they were granted) that this server still issues tokens
// for, each in its configured spelling now (sameResource), under
// ruleResourceStillServed; the provider's own when granted is empty. None
// left is invalid_target.
func (p *Provider) servedOf(tr *Trace, granted string) ([]string, *Error) {
	if granted == "" {
		return []string{p.Config.ResourceAudience()}, nil
	}
	known := p.Config.KnownResources()
	var served []string
	for _, g := range strings.Fields(granted) {
		u, err := url.Parse(g)
		if err != nil {
			continue
		}
		if configured, ok := configuredSpelling(known, u); ok {
			served = append(served, configured)
		}
	}
	if len(served) == 0 {
		return nil, tr.Fail(ruleResourceStillServed, ErrInvalidTarget, "the resource servers of this grant are no longer ones this server issues tokens for")
	}
	tr.Check(ruleResourceStillServed, true)
	return dedupe(slices.Values(served)), nil
}
