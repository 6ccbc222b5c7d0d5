package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages are the templates, each parsed with the layout and the shared parts.
var pages = []string{"coverage", "offer", "playground", "policy", "decisions", "decision", "login", "error"}

// views renders the pages and serves the static assets.
type views struct {
	pages   map[string]*template.Template
	version map[string]string // asset name -> hash of its content, for cache-busting URLs
}

func mustViews() *views {
	v := &views{pages: map[string]*template.Template{}, version: map[string]string{}}
	_ = fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := staticFiles.ReadFile(path)
		sum := sha256.Sum256(b)
		v.version[strings.TrimPrefix(path, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	funcs := template.FuncMap{
		"asset": func(name string) string { return Prefix + "static/" + name + "?v=" + v.version[name] },
		"words": words,
		"join":  strings.Join,
		"json":  prettyJSON,
		"tone":  toneOf,
		"list":  func(s ...string) []string { return s },
	}
	for _, name := range pages {
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(templateFiles,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
		v.pages[name] = t
	}
	return v
}

// static serves the embedded assets; their URLs carry a hash of their content, so they
// may be cached.
func (v *views) static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix(Prefix+"static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// pageView is what every page's template gets.
type pageView struct {
	Title     string
	Path      string // this page's URL, to come back to after the language form
	Principal *Principal
	AuthOn    bool
	CSRF      string
	Lang      string
	Languages []language
	Nav       []navItem
	Data      any
}

type navItem struct {
	Label, Href string
	Current     bool
}

// nav lists the pages the principal may open.
func nav(p *Principal, path string) []navItem {
	if p == nil {
		return nil
	}
	var out []navItem
	add := func(role, label, href string) {
		if p.Has(role) {
			cur := path == href || href != Prefix && strings.HasPrefix(path, href)
			out = append(out, navItem{Label: label, Href: href, Current: cur})
		}
	}
	add(roleDecide, "Coverage", Prefix)
	add(roleDecide, "Activation", Prefix+"decide/activation")
	add(roleDecide, "Account action", Prefix+"decide/account-action")
	add(roleDecide, "Contact verification", Prefix+"decide/contact-verification")
	add(roleAdmin, "Policy", Prefix+"policy")
	add(roleAudit, "Decision log", Prefix+"decisions")
	return out
}

// render writes a page; it is rendered whole first, so a template error is a clean 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) {
	pv := pageView{Title: title, Path: r.URL.RequestURI(), Principal: v.principal, AuthOn: c.auth != nil && c.auth.Enabled(),
		CSRF: v.csrf, Lang: v.lang, Languages: languages, Nav: nav(v.principal, r.URL.Path), Data: data}
	var b bytes.Buffer
	if err := c.views.pages[name].ExecuteTemplate(&b, "layout", pv); err != nil {
		c.log.Error().Err(err).Str("page", name).Msg("console page failed to render")
		http.Error(w, "the console could not render this page; it has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// errorView is the error page: a message, and the API's error when one caused it.
type errorView struct {
	Message string
	API     *apiError
}

// fail renders the error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, v *visit, status int, message string) {
	c.render(w, r, v, status, "error", http.StatusText(status), errorView{Message: message})
}

// failAPI renders the error page for an API call that did not succeed, with the API's
// own code and message (a 403 names the role the page needs).
func (c *Console) failAPI(w http.ResponseWriter, r *http.Request, v *visit, a *apiAnswer) {
	status := a.Status
	if status < 400 {
		status = http.StatusBadGateway
	}
	c.render(w, r, v, status, "error", http.StatusText(status), errorView{Message: "The API could not answer this page's question.", API: a.Error()})
}

// words turns an identifier into words: toll_free → toll free.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// prettyJSON indents a JSON document for reading; what does not parse is shown as is.
func prettyJSON(raw any) string {
	var b []byte
	switch x := raw.(type) {
	case []byte:
		b = x
	case json.RawMessage:
		b = x
	case string:
		b = []byte(x)
	default:
		out, err := json.MarshalIndent(x, "", "  ")
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(out)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// toneOf is how a status looks: good (the allowing statuses), wait (on its way) or bad.
func toneOf(status string) string {
	switch status {
	case "active", "allowed", "available", "ok", "true":
		return "good"
	case "ready_for_review", "pending", "wait", "unknown", "setup_required":
		return "wait"
	}
	return "bad"
}
