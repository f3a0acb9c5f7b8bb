// Package templatetest reads the parse trees of html/template sets in
// tests: the message keys the pages hand to their translation, so a test
// can check that each language's catalogue has every one.
package templatetest

import (
	"html/template"
	"slices"
	"text/template/parse"
)

// MessageKeys returns the string literals that the templates of set pass
// first to one of translators: a function ({{T "Sign in"}}) or a template
// that translates its argument ({{template "head" "Sign in"}}).
func MessageKeys(set *template.Template, translators ...string) []string {
	w := keyWalker{translators: translators}
	for _, tmpl := range set.Templates() {
		if tmpl.Tree != nil {
			w.walk(tmpl.Tree.Root)
		}
	}
	return w.keys
}

// keyWalker collects the keys of one set.
type keyWalker struct {
	translators []string
	keys        []string
}

// walk visits every node below n that can hold a pipeline.
func (w *keyWalker) walk(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, child := range n.Nodes {
				w.walk(child)
			}
		}
	case *parse.ActionNode:
		w.walk(n.Pipe)
	case *parse.PipeNode:
		if n != nil {
			for _, cmd := range n.Cmds {
				w.walk(cmd)
			}
		}
	case *parse.CommandNode:
		if id, ok := n.Args[0].(*parse.IdentifierNode); ok && len(n.Args) > 1 {
			w.keep(id.Ident, n.Args[1])
		}
		for _, arg := range n.Args {
			w.walk(arg)
		}
	case *parse.IfNode:
		w.walkBranch(&n.BranchNode)
	case *parse.RangeNode:
		w.walkBranch(&n.BranchNode)
	case *parse.WithNode:
		w.walkBranch(&n.BranchNode)
	case *parse.TemplateNode:
		if n.Pipe != nil && len(n.Pipe.Cmds) == 1 {
			w.keep(n.Name, n.Pipe.Cmds[0].Args[0])
		}
		w.walk(n.Pipe)
	}
}

// walkBranch visits an if, range or with: its pipeline and both lists.
func (w *keyWalker) walkBranch(b *parse.BranchNode) {
	w.walk(b.Pipe)
	w.walk(b.List)
	w.walk(b.ElseList)
}

// keep records arg as a key when it is a string literal handed to a translator.
func (w *keyWalker) keep(callee string, arg parse.Node) {
	if s, ok := arg.(*parse.StringNode); ok && slices.Contains(w.translators, callee) {
		w.keys = append(w.keys, s.Text)
	}
}
