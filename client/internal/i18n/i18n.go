// Package i18n holds the client's two languages, English and Traditional
// Chinese as written in Taiwan, and chooses one for each request: the
// visitor's choice on the language switch, else the browser's
// Accept-Language ([RFC 9110 Section 12.5.4]), else English.
//
// Every message is keyed by its English text, so a template or a handler
// reads as English and the English catalogue is the keys themselves. The
// messages live in the tables of messages_*.go, one pair per message, and
// go into a golang.org/x/text catalogue; golang.org/x/text/language matches
// the browser's preferences against the two.
//
// The chosen language travels on to the provider as ui_locales
// ([OIDC Core Section 3.1.2.1]) and as the Accept-Language of the trace
// requests, so its pages and rule texts match.
//
// [RFC 9110 Section 12.5.4]: https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
// [OIDC Core Section 3.1.2.1]: https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
package i18n

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Lang is one of the client's languages.
type Lang struct {
	// Code is the tag sent to the provider (ui_locales, Accept-Language)
	// and posted by the language switch: "en" or "zh-TW".
	Code string
	// HTML is the page's <html lang>: "en" or "zh-Hant-TW", naming the
	// script, which is what a browser needs to pick a font.
	HTML string
	// Name is the language's name in itself, for the switch.
	Name    string
	tag     language.Tag
	printer *message.Printer
}

// zhTW is Chinese as written in Taiwan (Traditional script).
var zhTW = language.MustParse("zh-TW")

// The two languages. English comes first: it is the fallback.
var (
	English            = newLang(language.English, "en", "en", "English")
	TraditionalChinese = newLang(zhTW, "zh-TW", "zh-Hant-TW", "繁體中文")
	// All lists the languages in the order the switch shows them.
	All = []Lang{English, TraditionalChinese}
)

func newLang(tag language.Tag, code, html, name string) Lang {
	return Lang{Code: code, HTML: html, Name: name, tag: tag, printer: message.NewPrinter(tag, message.Catalog(catalogue))}
}

// T returns the message whose English text is key, in l, formatted with
// args as fmt.Sprintf would. A string that is no key (a value from the
// provider, a name, a URL) comes back unchanged when there are no args.
func (l Lang) T(key string, args ...any) string {
	if !Known(key) && len(args) == 0 {
		return key
	}
	return l.printer.Sprintf(key, args...)
}

// ByCode returns the language whose Code is code.
func ByCode(code string) (Lang, bool) {
	for _, l := range All {
		if l.Code == code {
			return l, true
		}
	}
	return Lang{}, false
}

// maxAcceptLanguage bounds the Accept-Language header this package parses:
// a browser sends a few dozen bytes; a longer header is ignored.
const maxAcceptLanguage = 512

// matcher matches a browser's preferences against All.
var matcher = language.NewMatcher([]language.Tag{English.tag, TraditionalChinese.tag})

// Negotiate returns the language of a request: choice (the Code the
// visitor picked on the switch, "" when none) when it is one of All, else
// the best match of acceptLanguage, else English. A malformed or oversized
// header counts as none.
func Negotiate(choice, acceptLanguage string) Lang {
	if l, ok := ByCode(choice); ok {
		return l
	}
	if acceptLanguage == "" || len(acceptLanguage) > maxAcceptLanguage {
		return English
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return English
	}
	_, i, confidence := matcher.Match(prefs...)
	if confidence == language.No {
		return English
	}
	return All[i]
}

type contextKey struct{}

// NewContext returns ctx carrying l, the language of the request it serves.
func NewContext(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, contextKey{}, l)
}

// FromContext returns the language ctx carries, or English.
func FromContext(ctx context.Context) Lang {
	if l, ok := ctx.Value(contextKey{}).(Lang); ok {
		return l
	}
	return English
}

// Template returns the message key in l with its %s verbs left in place,
// for a page's script to fill in: "in %s" is "%s後" in Traditional Chinese.
func (l Lang) Template(key string) string {
	args := make([]any, strings.Count(key, "%s"))
	for i := range args {
		args[i] = verbKept{}
	}
	return l.T(key, args...)
}

// verbKept prints as the verb it is formatted with.
type verbKept struct{}

// Format writes the verb back: "%s".
func (verbKept) Format(f fmt.State, verb rune) { fmt.Fprintf(f, "%%%c", verb) }
