package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oauth-reference/client/internal/tokenview"
	"github.com/oauth-reference/provider/service"
)

// templateFS holds the HTML templates: no external assets, so the pages work
// offline and the CSP can forbid everything else.
//
//go:embed templates/*.html
var templateFS embed.FS

// pages maps a page's file name to its template (layout + page).
type pages map[string]*template.Template

// pageNames are the pages under templates/, each rendered inside layout.html.
var pageNames = []string{"home.html", "resource.html", "refresh.html", "logout.html", "error.html", "spa.html", "step.html", "attacks.html", "tokens.html"}

// templateFuncs are the helpers the templates use.
var templateFuncs = template.FuncMap{
	"mask":     tokenview.Mask,
	"duration": func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"statusText": func(code int) string {
		if code == 0 {
			return "no response"
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

// parsePages parses every page with the layout.
func parsePages() (pages, error) {
	p := pages{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/channels.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p[name] = t
	}
	return p, nil
}

// view is what every template gets: the page's data and the CSP nonce for
// its inline style and script.
type view struct {
	Nonce string
	Title string
	Data  any
}

// render writes page with data. It renders into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (a *App) render(c *gin.Context, status int, page, title string, data any) {
	var buf bytes.Buffer
	err := a.pages[page].ExecuteTemplate(&buf, "layout", view{Nonce: c.GetString(cspNonceKey), Title: title, Data: data})
	if err != nil {
		a.log.Error("rendering a page", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorView is the content of the error page.
type errorView struct {
	Title   string
	Message string
	// Code and Description are the OAuth error ([RFC 6749 Section 4.1.2.1],
	// [RFC 6749 Section 5.2]) when there is one.
	//
	// [RFC 6749 Section 4.1.2.1]: https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
	// [RFC 6749 Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
	Code        string
	Description string
	Rule        string   // the rule that applies, quoted from its RFC
	Causes      []string // what most often leads to this error: what to check
	Retry       bool     // offer to log in again
	Walk        walkView // the hops that led here, the failed one last
}

// renderError writes the error page.
func (a *App) renderError(c *gin.Context, status int, e errorView) {
	if e.Code != "" {
		service.Note(c, "error", e.Code) // the OAuth error code, on the request's log line
	}
	a.render(c, status, "error.html", e.Title, e)
}
