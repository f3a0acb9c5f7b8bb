// Package i18n holds the provider's two languages, English (en) and
// Traditional Chinese as written in Taiwan (zh-TW), and chooses one for a
// request: from the authorization request's ui_locales
// ([OIDC Core Section 3.1.2.1]), else from Accept-Language
// ([RFC 9110 Section 12.5.4]), else English. Every message key is its English text; zh_tw.go translates each.
// Protocol values (error codes, parameter names, JSON, log lines) are never
// keys: they are the same in every language.
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
// [RFC 9110 Section 12.5.4]: https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
package i18n

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Locale is one of the languages the pages are written in.
type Locale int

// The supported locales; English is the default.
const (
	English Locale = iota
	TraditionalChinese
)

// Locales lists every supported locale, the default first.
var Locales = []Locale{English, TraditionalChinese}

// tags are the locales' language tags, in the order of Locales: what
// ui_locales and Accept-Language are matched against.
var tags = []language.Tag{language.English, language.MustParse("zh-TW")}

// htmlLangs are the locales' <html lang> values: the script is named, so a
// browser picks Traditional glyphs even without the region.
var htmlLangs = []string{"en", "zh-Hant-TW"}

// sentenceSeparators are the locales' separators of sentences.
var sentenceSeparators = []string{" ", ""}

var (
	messages = newCatalog()
	printers = []*message.Printer{
		message.NewPrinter(tags[English], message.Catalog(messages)),
		message.NewPrinter(tags[TraditionalChinese], message.Catalog(messages)),
	}
	matcher = language.NewMatcher(tags)
)

// newCatalog builds both catalogues from the tables of zh_tw.go (pages)
// and zh_tw_trace.go (rules and trace phrases): each English key is its
// own English message.
func newCatalog() *catalog.Builder {
	b := catalog.NewBuilder()
	for _, table := range []map[string]string{traditionalChinese, traditionalChineseTrace} {
		for key, zh := range table {
			must(b.SetString(tags[English], key, key))
			must(b.SetString(tags[TraditionalChinese], key, zh))
		}
	}
	return b
}

func must(err error) {
	if err != nil {
		panic("i18n: " + err.Error())
	}
}

// Supported lists the locales' tags as discovery's ui_locales_supported
// shows them ([OIDC Discovery Section 3]): "en", "zh-TW".
//
// [OIDC Discovery Section 3]: https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
func Supported() []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

// Tag is the locale's BCP 47 language tag: "en", "zh-TW".
func (l Locale) Tag() string { return tags[l].String() }

// HTMLLang is the locale's <html lang> value: "en", "zh-Hant-TW".
func (l Locale) HTMLLang() string { return htmlLangs[l] }

// SentenceSeparator is what goes between two sentences: a space in
// English, nothing in Chinese, whose full stop "。" already separates them.
func (l Locale) SentenceSeparator() string { return sentenceSeparators[l] }

// T translates a message key (its English text) and formats it with args,
// as fmt.Sprintf does. A key without a message comes out as the key
// itself, formatted: English, never an empty page (Has finds such keys).
func (l Locale) T(key string, args ...any) string {
	return printers[l].Sprintf(key, args...)
}

// Has reports whether the locale's catalogue holds a message for key.
func (l Locale) Has(key string) bool {
	err := messages.Context(tags[l], discard{}).Execute(key)
	return !errors.Is(err, catalog.ErrNotFound)
}

// discard is a renderer that renders nothing: Has asks the catalogue
// only whether it knows a key.
type discard struct{}

func (discard) Render(string) {}
func (discard) Arg(int) any   { return nil }

// Bounds of the language preferences read from a request: they come from
// the user agent, so they are cut before parsing and each tag is parsed
// once (the work is linear in the bytes kept). No real preference list is
// longer; a longer one is read up to the bound.
const (
	maxPreferenceBytes = 512
	maxPreferences     = 16
	maxTagBytes        = 35 // RFC 5646 Section 4.4.1: "at least 35 characters"
)

// Negotiate chooses the locale of a page: the first supported tag of
// uiLocales, the authorization request's space-separated list "in order of
// preference" ([OIDC Core Section 3.1.2.1]); else the first supported
// language of acceptLanguage, by weight; else English. A tag is supported
// when it is English or Chinese of any script or region: a reader who asks
// for zh, zh-CN or zh-Hans reads Traditional Chinese far more easily than
// English. Unknown, malformed or "*" entries are skipped, never an error
// ("An error SHOULD NOT result if some or all of the requested locales are
// not supported").
//
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
func Negotiate(uiLocales, acceptLanguage string) Locale {
	if l, ok := firstSupported(parseUILocales(uiLocales)); ok {
		return l
	}
	if l, ok := firstSupported(parseAcceptLanguage(acceptLanguage)); ok {
		return l
	}
	return English
}

// firstSupported returns the locale of the first tag that matches one
// (with at least low confidence: the same language, another script or
// region). "und" and "*" match none.
func firstSupported(prefs []language.Tag) (Locale, bool) {
	for _, t := range prefs {
		if _, i, conf := matcher.Match(t); conf != language.No {
			return Locales[i], true
		}
	}
	return English, false
}

// parseUILocales reads ui_locales: tags separated by spaces, malformed
// ones skipped.
func parseUILocales(s string) []language.Tag {
	var out []language.Tag
	for _, field := range preferenceFields(s, " ") {
		if t, err := language.Parse(field); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// parseAcceptLanguage reads an Accept-Language header
// ([RFC 9110 Section 12.5.4]): comma-separated ranges with optional
// weights, the heaviest first; malformed ranges and those of weight 0 are
// skipped.
//
// [RFC 9110 Section 12.5.4]: https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
func parseAcceptLanguage(s string) []language.Tag {
	type weighted struct {
		tag language.Tag
		q   float32
	}
	var prefs []weighted
	for _, field := range preferenceFields(s, ",") {
		t, q, err := language.ParseAcceptLanguage(field)
		if err == nil && len(t) == 1 {
			prefs = append(prefs, weighted{t[0], q[0]})
		}
	}
	slices.SortStableFunc(prefs, func(a, b weighted) int { return cmp.Compare(b.q, a.q) }) // heaviest first
	out := make([]language.Tag, len(prefs))
	for i, p := range prefs {
		out[i] = p.tag
	}
	return out
}

// preferenceFields splits s at sep into at most maxPreferences trimmed,
// non-empty fields of at most maxTagBytes each (plus a weight), after
// cutting s to maxPreferenceBytes.
func preferenceFields(s, sep string) []string {
	s = s[:min(len(s), maxPreferenceBytes)]
	var out []string
	for field := range strings.SplitSeq(s, sep) {
		field = strings.TrimSpace(field)
		if field == "" || len(field) > maxTagBytes+len(";q=0.000") {
			continue
		}
		if out = append(out, field); len(out) == maxPreferences {
			break
		}
	}
	return out
}
