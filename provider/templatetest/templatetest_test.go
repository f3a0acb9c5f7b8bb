package templatetest

import (
	"html/template"
	"slices"
	"testing"
)

func TestMessageKeys(t *testing.T) {
	funcs := template.FuncMap{"T": func(s string, _ ...any) string { return s }, "upper": func(s string) string { return s }}
	set := template.Must(template.New("page").Funcs(funcs).Parse(`{{template "head" "Title"}}
<p>{{T "Plain"}}</p>
{{if .X}}{{T "In if"}}{{else}}{{upper (T "In a pipe")}}{{end}}
{{range .L}}{{T "In range" .}}{{end}}{{with .W}}{{T "In with"}}{{end}}
{{upper "not a message"}}{{T .Dynamic}}`))
	template.Must(set.New("head").Parse(`<title>{{T .}}</title>`))
	got := MessageKeys(set, "T", "head")
	slices.Sort(got)
	want := []string{"In a pipe", "In if", "In range", "In with", "Plain", "Title"}
	if !slices.Equal(got, want) {
		t.Errorf("MessageKeys = %q, want %q", got, want)
	}
}
