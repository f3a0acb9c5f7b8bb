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
		i := slices.IndexFunc(known, func(k string) bool { return sameResource(u, k) })
		if i < 0 {
			return nil, tr.Fail(ruleResourceKnown, ErrInvalidTarget, "resource "+quoteURI(v)+" is not one this server issues tokens for")
		}
		resources = append(resources, known[i])
	}
	tr.Check(ruleResourceKnown, true)
	return dedupe(slices.Values(resources)), nil
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
// none, the only granted one. An
// authorization that named no resource grants the provider's own.
//
// [RFC 8707 Section 2.2]: https://www.rfc-editor.org/rfc/rfc8707#section-2.2
func (p *Provider) audienceFor(tr *Trace, requested []string, granted string) (string, *Error) {
	if len(requested) == 0 && granted == "" {
		return p.Config.ResourceAudience(), nil // no resource named, none granted: nothing to check
	}
	resources, err := p.checkResources(tr, requested)
	if err != nil {
		return "", err
	}
	allowed := strings.Fields(granted)
	if len(allowed) == 0 {
		allowed = []string{p.Config.ResourceAudience()}
	}
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
