package i18n

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oauth-reference/provider/glossarytest"
)

func TestNegotiateUILocales(t *testing.T) {
	tests := []struct {
		name, uiLocales, acceptLanguage string
		want                            Locale
	}{
		{"zh-TW chooses Traditional Chinese", "zh-TW", "", TraditionalChinese},
		{"the first supported tag wins (OIDC Core Section 3.1.2.1)", "fr zh-TW en", "", TraditionalChinese},
		{"the first supported tag wins, English first", "en zh-TW", "", English},
		{"zh-Hant is Traditional Chinese", "zh-Hant", "", TraditionalChinese},
		{"zh-HK: Traditional script, another region", "zh-HK", "", TraditionalChinese},
		{"zh: Chinese reads Traditional better than English", "zh", "", TraditionalChinese},
		{"zh-CN: Chinese reads Traditional better than English", "zh-CN", "", TraditionalChinese},
		{"tags are case-insensitive", "ZH-tw", "", TraditionalChinese},
		{"an unsupported language falls to Accept-Language", "fr", "zh-TW", TraditionalChinese},
		{"fr alone is English", "fr ja", "", English},
		{"ui_locales wins over Accept-Language", "en", "zh-TW", English},
		{"malformed tags are skipped, never an error", "x!! -- zh-TW", "", TraditionalChinese},
		{"extra spaces are ignored", "   zh-TW   ", "", TraditionalChinese},
		{"empty is English", "", "", English},
		{"a tag past the bound is not read", strings.Repeat("fr ", maxPreferences) + "zh-TW", "", English},
		{"a huge value is cut, not parsed", strings.Repeat("x", 1<<20) + " zh-TW", "", English},
		{"an overlong tag is skipped", strings.Repeat("a", 200) + " zh-TW", "", TraditionalChinese},
		{"invalid UTF-8 is skipped", "\xff\xfe zh-TW", "", TraditionalChinese},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate(tt.uiLocales, tt.acceptLanguage); got != tt.want {
				t.Errorf("Negotiate(%.40q, %.40q) = %s, want %s", tt.uiLocales, tt.acceptLanguage, got.Tag(), tt.want.Tag())
			}
		})
	}
}

func TestNegotiateAcceptLanguage(t *testing.T) {
	tests := []struct {
		name, header string
		want         Locale
	}{
		{"zh-TW", "zh-TW", TraditionalChinese},
		{"a browser in Taiwan", "zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", TraditionalChinese},
		{"the heaviest supported language wins", "en;q=0.5, zh-TW;q=0.8", TraditionalChinese},
		{"equal weights keep their order", "en, zh-TW", English},
		{"zh-Hant", "zh-Hant", TraditionalChinese},
		{"zh", "zh", TraditionalChinese},
		{"zh-CN", "zh-CN,zh;q=0.9", TraditionalChinese},
		{"fr is English", "fr-FR,fr;q=0.9", English},
		{"fr before zh-TW: the first supported", "fr, zh-TW;q=0.5", TraditionalChinese},
		{"* is any language: the default", "*", English},
		{"q=0 means not acceptable", "zh-TW;q=0, en;q=0.1", English},
		{"a malformed range is skipped", "zh-TW;q=x, ???, zh-TW;q=0.3", TraditionalChinese},
		{"garbage is English", ";;;,,,==", English},
		{"empty is English", "", English},
		{"a huge header is cut", strings.Repeat("fr,", 1<<18) + "zh-TW", English},
		{"ranges past the bound are not read", strings.Repeat("fr,", maxPreferences) + "zh-TW", English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate("", tt.header); got != tt.want {
				t.Errorf("Negotiate(\"\", %.40q) = %s, want %s", tt.header, got.Tag(), tt.want.Tag())
			}
		})
	}
}

func TestSupported(t *testing.T) {
	if got := strings.Join(Supported(), " "); got != "en zh-TW" {
		t.Errorf("Supported() = %q, want %q", got, "en zh-TW")
	}
	if English.HTMLLang() != "en" || TraditionalChinese.HTMLLang() != "zh-Hant-TW" {
		t.Errorf("HTMLLang = %q, %q; want en, zh-Hant-TW", English.HTMLLang(), TraditionalChinese.HTMLLang())
	}
}

// verbs finds the formatting verbs of a message.
var verbs = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// markup finds the HTML elements of a message.
var markup = regexp.MustCompile(`</?[a-z]+>`)

// TestCatalogues checks that every key is in both catalogues, that each
// translation is Chinese with the same verbs and markup as its key, in the
// same order, and that T translates.
func TestCatalogues(t *testing.T) {
	han := regexp.MustCompile(`[\p{Han}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]`) // Chinese, or its punctuation
	all := map[string]string{}
	for _, table := range []map[string]string{traditionalChinese, traditionalChineseTrace} {
		for key, zh := range table {
			if _, twice := all[key]; twice {
				t.Errorf("%q is in two tables", key)
			}
			all[key] = zh
		}
	}
	for key, zh := range all {
		for _, l := range Locales {
			if !l.Has(key) {
				t.Errorf("%s catalogue: no message for %q", l.Tag(), key)
			}
		}
		if !han.MatchString(zh) {
			t.Errorf("%q: translation %q has no Chinese", key, zh)
		}
		if got, want := strings.Join(verbs.FindAllString(zh, -1), " "), strings.Join(verbs.FindAllString(key, -1), " "); got != want {
			t.Errorf("%q: verbs %q, want %q", key, got, want)
		}
		if got, want := strings.Join(markup.FindAllString(zh, -1), ""), strings.Join(markup.FindAllString(key, -1), ""); got != want {
			t.Errorf("%q: markup %q, want %q", key, got, want)
		}
	}
	if TraditionalChinese.Has("no such message") || English.Has("no such message") {
		t.Error("Has reports a key that no catalogue holds")
	}
	if got := TraditionalChinese.T("They first differ at character %d (highlighted).", 31); got != "兩者從第 31 個字元開始不同（已標示）。" {
		t.Errorf("T = %q", got)
	}
	if got := English.T("They first differ at character %d (highlighted).", 31); got != "They first differ at character 31 (highlighted)." {
		t.Errorf("T = %q", got)
	}
}

// TestWordsMeanTheirEnglish: some Chinese words say more than a loose
// translation may: each is used only where the English says the same.
// 範圍 is the catalogues' word for scope ("範圍 (scope)"): elsewhere a
// reader would take a rule about resources or limits for a scope rule.
// 壓縮 (compression) is one kind of Content-Encoding among others, and no
// rule is about compression alone.
func TestWordsMeanTheirEnglish(t *testing.T) {
	words := []struct{ zh, en string }{{"範圍", "scope"}, {"壓縮", "compress"}}
	for _, table := range []map[string]string{traditionalChinese, traditionalChineseTrace} {
		for key, zh := range table {
			for _, w := range words {
				if strings.Contains(zh, w.zh) && !strings.Contains(strings.ToLower(key), w.en) {
					t.Errorf("%q: translation %q says %s (%s), but the English does not", key, zh, w.zh, w.en)
				}
			}
		}
	}
}

// FuzzNegotiate: any input chooses a locale, without panicking.
func FuzzNegotiate(f *testing.F) {
	f.Add("zh-TW en", "fr;q=0.9, zh-Hant;q=0.8")
	f.Add("\xff", "*;q=abc")
	f.Fuzz(func(t *testing.T, uiLocales, acceptLanguage string) {
		if l := Negotiate(uiLocales, acceptLanguage); l != English && l != TraditionalChinese {
			t.Fatalf("Negotiate = %d", l)
		}
	})
}

// TestEveryGoTextTranslated finds, in the source of packages oauth and
// web, every rule (a Rule composite literal: its Text), every phrase a
// trace records (the literal arguments of Changed, Succeeded and decided,
// which hands its phrase to both; the form named to formShown, shown or
// shown again; the page named to pageShown, shown; the outcome of a trace
// that recorded none, a constant named outcome…) and every sentence a
// handler hands to a page (a constant named msg…), and checks that both
// catalogues hold each: pages and /debug/trace answer in the reader's
// language. It also fails when two rules share a text (checkRuleText).
func TestEveryGoTextTranslated(t *testing.T) {
	texts := sourceTexts(t, "../oauth", "../web")
	if len(texts) < 120 {
		t.Fatalf("found %d texts; the walk misses some", len(texts))
	}
	for text, at := range texts {
		for _, l := range Locales {
			if !l.Has(text) {
				t.Errorf("%s: %q has no %s message (add it to zh_tw.go or zh_tw_trace.go)", at, text, l.Tag())
			}
		}
	}
}

// sourceTexts returns the rule texts, trace phrases, outcome… and msg… constants of
// the packages in dirs, each with where it is declared. A text may be a
// constant expression ("client_assertion_type is " + ClientAssertionTypeJWT);
// a rule text the walk cannot read as one fails the test, so that no rule
// escapes it.
func sourceTexts(t *testing.T, dirs ...string) map[string]string {
	texts := map[string]string{}
	fset := token.NewFileSet()
	rules := map[string]string{} // rule text → where it is declared
	for _, dir := range dirs {
		files := parseDir(t, fset, dir)
		values := constStrings(fset, files)
		add := func(e ast.Expr) bool {
			s, ok := constString(e, values)
			if ok {
				texts[s] = fset.Position(e.Pos()).String()
			}
			return ok
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					if isRule(n.Type) && len(n.Elts) > 0 {
						checkRuleText(t, fset, rules, n, values)
						if !add(ruleText(n)) {
							t.Errorf("%s: a Rule whose Text is not a constant string: the translations cannot be checked", fset.Position(n.Pos()))
						}
					}
				case *ast.CallExpr:
					switch calledName(n.Fun) {
					case "Changed", "Succeeded", "decided":
						for _, arg := range n.Args {
							add(arg)
						}
					case "formShown":
						add(suffixed(t, n.Args[0], " shown"))
						add(suffixed(t, n.Args[0], " shown again"))
					case "pageShown":
						add(suffixed(t, n.Args[0], " shown"))
					}
				case *ast.ValueSpec:
					for i, id := range n.Names {
						if i < len(n.Values) && (strings.HasPrefix(id.Name, "msg") || strings.HasPrefix(id.Name, "outcome")) {
							add(n.Values[i])
						}
					}
				}
				return true
			})
		}
	}
	t.Logf("TEXTS %d", len(texts))
	return texts
}

// checkRuleText records the text of the Rule literal lit in rules, and
// fails when another rule of dirs already has it: a rule's text lives
// once, so two rules checked in different places say what differs (on a
// trace, one sentence with two sections reads as a mistake).
func checkRuleText(t *testing.T, fset *token.FileSet, rules map[string]string, lit *ast.CompositeLit, values map[ast.Expr]string) {
	text, ok := constString(ruleText(lit), values)
	if !ok {
		return
	}
	at := fset.Position(lit.Pos()).String()
	if first, seen := rules[text]; seen {
		t.Errorf("%s: the rule text %q is also the text of the rule at %s: say what differs", at, text, first)
	}
	rules[text] = at
}

// parseDir parses the Go files of dir, tests left out.
func parseDir(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// constStrings type-checks files and returns the value of each constant
// string expression in them, as the compiler computes it: literals, the
// package's constants and + of them. Imports are left unresolved (and
// their errors ignored): the texts are the package's own constants.
func constStrings(fset *token.FileSet, files []*ast.File) map[ast.Expr]string {
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: noImports{}, Error: func(error) {}}
	_, _ = conf.Check(files[0].Name.Name, fset, files, info)
	values := map[ast.Expr]string{}
	for e, tv := range info.Types {
		if tv.Value != nil && tv.Value.Kind() == constant.String {
			values[e] = constant.StringVal(tv.Value)
		}
	}
	return values
}

// noImports resolves no import: constStrings needs none.
type noImports struct{}

func (noImports) Import(path string) (*types.Package, error) {
	return nil, fmt.Errorf("%s: not imported", path)
}

// constString is the value of a constant string expression, one of
// values (constStrings) or a string literal made by suffixed.
func constString(e ast.Expr, values map[ast.Expr]string) (string, bool) {
	if s, ok := values[e]; ok {
		return s, true
	}
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	return "", false
}

// suffixed is a string literal with suffix added, or e as it is.
func suffixed(t *testing.T, e ast.Expr, suffix string) ast.Expr {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return e
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatal(err)
	}
	return &ast.BasicLit{ValuePos: lit.ValuePos, Kind: token.STRING, Value: strconv.Quote(s + suffix)}
}

// isRule reports whether a composite literal's type is Rule or oauth.Rule.
func isRule(typ ast.Expr) bool {
	switch typ := typ.(type) {
	case *ast.Ident:
		return typ.Name == "Rule"
	case *ast.SelectorExpr:
		return typ.Sel.Name == "Rule"
	}
	return false
}

// ruleText is the Text of a Rule literal, keyed or not.
func ruleText(lit *ast.CompositeLit) ast.Expr {
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Text" {
				return kv.Value
			}
			continue
		}
		return e // unkeyed: Text comes first
	}
	return nil
}

// calledName is the name of the function or method a call calls.
func calledName(fun ast.Expr) string {
	switch fun := fun.(type) {
	case *ast.Ident:
		return fun.Name
	case *ast.SelectorExpr:
		return fun.Sel.Name
	}
	return ""
}

// BenchmarkNegotiate: choosing a page's language from a browser's usual
// Accept-Language, and from a header at the bound.
func BenchmarkNegotiate(b *testing.B) {
	for _, bc := range []struct{ name, uiLocales, acceptLanguage string }{
		{"ui_locales", "zh-TW", ""},
		{"accept-language", "", "fr-FR,fr;q=0.9,zh-TW;q=0.8,en;q=0.7"},
		{"huge", strings.Repeat("x-y ", 4096), strings.Repeat("fr;q=0.5,", 4096)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Negotiate(bc.uiLocales, bc.acceptLanguage)
			}
		})
	}
}

// BenchmarkT: one message of a page, translated and formatted.
func BenchmarkT(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		TraditionalChinese.T("They first differ at character %d (highlighted).", 31)
	}
}

// TestOneTerm fails when a translation uses a variant the glossary
// rejected: a learner who reads 核發 beside 簽發 takes them for two things.
func TestOneTerm(t *testing.T) {
	for _, table := range []map[string]string{traditionalChinese, traditionalChineseTrace} {
		for key, zh := range table {
			if variant, term := glossarytest.RejectedTerm(zh); variant != "" {
				t.Errorf("%q: translation %q says %s: the glossary's word is %s", key, zh, variant, term)
			}
		}
	}
}
