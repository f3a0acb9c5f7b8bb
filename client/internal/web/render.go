package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/i18n"
	"github.com/oauth-reference/client/internal/tokenview"
)

// templateFS holds the HTML templates: no external assets, so the pages work
// offline and the CSP can forbid everything else.
//
//go:embed templates/*.html
var templateFS embed.FS

// pages maps a language's Code, then a page's file name, to its template
// (layout + page), whose t and th speak that language.
type pages map[string]map[string]*template.Template

// pageNames are the pages under templates/, each rendered inside layout.html.
var pageNames = []string{"home.html", "resource.html", "refresh.html", "logout.html", "error.html", "spa.html", "step.html", "attacks.html", "tokens.html", "mcp.html", "device.html", "machine.html"}

// templateFuncs are the helpers the templates use, in language l:
// t translates a message (i18n.Lang.T), th one that holds HTML markup of
// its own (its arguments are escaped), when a time relative to now,
// seconds an interval in whole seconds, list joins the items of a list
// with the language's separator.
func templateFuncs(l i18n.Lang, now func() time.Time) template.FuncMap {
	return template.FuncMap{
		"when":     func(t time.Time) string { return l.When(t, now()) },
		"seconds":  l.Seconds,
		"t":        l.T,
		"list":     func(items []string) string { return strings.Join(items, l.T("; ")) },
		"th":       func(key string, args ...any) template.HTML { return translateHTML(l, key, args) },
		"mask":     tokenview.Mask,
		"duration": func(d time.Duration) string { return d.Round(time.Millisecond).String() },
		"statusText": func(code int) string {
			if code == 0 {
				return l.T("no response")
			}
			return fmt.Sprintf("%d %s", code, http.StatusText(code))
		},
		"ok": func(code int) bool { return code >= 200 && code < 300 },
		// mark writes a step's letter in the diagram, highlighted once the step happened.
		"mark": func(done map[string]bool, step string) template.HTML {
			if done[step] {
				return template.HTML(`<b class="done">(` + template.HTMLEscapeString(step) + `)</b>`)
			}
			return template.HTML("(" + template.HTMLEscapeString(step) + ")")
		},
	}
}

// translateHTML is th: the message key, whose markup is this package's
// own, with args HTML-escaped before they are put in.
func translateHTML(l i18n.Lang, key string, args []any) template.HTML {
	escaped := make([]any, len(args))
	for i, arg := range args {
		escaped[i] = template.HTMLEscapeString(fmt.Sprint(arg))
	}
	return template.HTML(l.T(key, escaped...))
}

// parsePages parses every page with the layout, once per language.
func parsePages(now func() time.Time) (pages, error) {
	p := pages{}
	for _, l := range i18n.All {
		p[l.Code] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(templateFuncs(l, now)).ParseFS(templateFS, "templates/layout.html", "templates/channels.html", "templates/"+name)
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", name, err)
			}
			p[l.Code][name] = t
		}
	}
	return p, nil
}

// view is what every template gets: the page's data, the CSP nonce for
// its inline style and script, and what the language switch needs.
type view struct {
	Nonce string
	Title string
	Data  any
	Lang  i18n.Lang   // the page's language
	Langs []i18n.Lang // the switch's choices
	// CSRFToken is the session's, for the switch's form ("" when the
	// browser has no session yet); Back is where the switch returns.
	CSRFToken string
	Back      string
}

// render writes page with data, in the request's language; title is the
// English text of a message. It renders into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (a *App) render(c *gin.Context, status int, page, title string, data any) {
	l := a.lang(c)
	v := view{Nonce: c.GetString(cspNonceKey), Title: l.T(title), Data: data, Lang: l, Langs: i18n.All,
		CSRFToken: c.GetString(csrfTokenKey), Back: backPath(c)}
	var buf bytes.Buffer
	if err := a.pages[l.Code][page].ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.ErrorContext(c.Request.Context(), "rendering a page", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// dictionary is what a page's script gets, in a JSON script element, so
// its own words speak the page's language: per language Code, the
// script's messages in that language, keyed by their English.
type dictionary map[string]map[string]string

// newDictionary translates keys into every language, once, at start-up.
func newDictionary(keys []string) dictionary {
	d := dictionary{}
	for _, l := range i18n.All {
		words := make(map[string]string, len(keys))
		for _, k := range keys {
			words[k] = l.Template(k)
		}
		d[l.Code] = words
	}
	return d
}

// serveScript answers the path of a page's script (a file, not an inline
// script: it needs the page's CSP nonce like any other) with js.
func serveScript(js []byte) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, "text/javascript; charset=utf-8", js)
	}
}
