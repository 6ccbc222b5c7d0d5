package console_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/numgate/numgate/engine"
)

// The browser tests drive a headless Chromium (Debian's chromium, which .ci/run
// installs) through chromedp against a whole server on loopback. Without Chromium they
// skip, except under CI=true, where they fail. A failing test saves a screenshot of the
// page under $TMPDIR/numgate-console-failures/ and says where.

var updateScreenshots = flag.Bool("update-screenshots", false, "write the README's screenshots, docs/console-*.png, from TestScreenshots")

// stepTimeout bounds one browser step: a page load, a wait for the decision to update.
const stepTimeout = 20 * time.Second

// chromium finds the browser: $NUMGATE_TEST_CHROMIUM, or Debian's.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("NUMGATE_TEST_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but Chromium is not installed at /usr/bin/chromium (.ci/run installs Debian's chromium)")
	}
	t.Skip("no Chromium at /usr/bin/chromium (apt-get install chromium, or set NUMGATE_TEST_CHROMIUM): the browser tests are skipped")
	return ""
}

// browser is one headless Chromium with a fresh profile, one tab, a 1280×800 window.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab; each step gets its own deadline
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// The machine has no network: nothing should try to reach one.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-default-apps", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: ctx}
	// The browser starts on the first action, which must have no deadline of its own
	// (it would stop the browser); a watchdog bounds the start instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			cancelTab()
			cancelAlloc()
			t.Fatalf("starting Chromium (%s): %v", path, err)
		}
	case <-time.After(30 * time.Second):
		cancelTab()
		cancelAlloc()
		t.Fatalf("Chromium (%s) did not start within 30s", path)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b.saveFailure()
		}
		cancelTab()
		cancelAlloc()
	})
	return b
}

// do runs steps within one step's time.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (page %s)", err, b.location())
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript expression is true, asking again while a page loads
// (a navigation ends an evaluation); what fails says what it waited for.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s: not so within %s (last error: %v; page %s)", what, stepTimeout, last, b.location())
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *browser) screenshot(width, height int64) []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		b.t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	return png
}

// saveFailure keeps a picture of the page a test failed on.
func (b *browser) saveFailure() {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("no screenshot of the failure: %v", err)
		return
	}
	dir := filepath.Join(os.TempDir(), "numgate-console-failures")
	path := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(b.t.Name(), "_")+".png")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		b.t.Logf("screenshot of the failure not saved: %v", err)
		return
	}
	b.t.Logf("screenshot of the page at the failure: %s (%s)", path, b.location())
}

// setValue sets a select's or date input's value as a person choosing it would: with
// the input and change events the page listens to.
func setValue(selector, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`, selector, value))
}

func id(pointer string) string { return "#f" + strings.ReplaceAll(pointer, "/", "-") }

// TestBrowserMatrixOpensAnOffer: the matrix loads, is searched, reads on a phone without
// the page scrolling sideways, is reachable by keyboard, and a cell opens its offer.
func TestBrowserMatrixOpensAnOffer(t *testing.T) {
	ts := startServer(t, serverOptions{})
	b := newBrowser(t)
	b.do(chromedp.Navigate(ts.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("matrix")))
	if n := eval[int](b, `document.querySelectorAll("#matrix tbody tr").length`); n != 60 {
		t.Errorf("%d countries in the matrix, want 60", n)
	}
	b.do(chromedp.SendKeys(chromedp.ID("q"), "germ"), chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)))
	b.waitFor("the search to keep one country", `location.search.includes("q=germ") && document.querySelectorAll("#matrix tbody tr").length === 1`)

	// A phone: the page itself never scrolls sideways; the matrix scrolls in its region.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.do(chromedp.Navigate(ts.URL + "/console/"))
	if w := eval[[]int](b, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		t.Errorf("on a phone the page is %dpx wide in a %dpx window", w[0], w[1])
	}
	b.do(chromedp.EmulateViewport(1280, 800))

	// The keyboard: the first Tab reaches the skip link; a cell's link opens with Enter.
	b.do(chromedp.Navigate(ts.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("matrix")), chromedp.KeyEvent(kb.Tab))
	if cls := eval[string](b, `document.activeElement.className`); cls != "skip" {
		t.Errorf("the first Tab focuses %q, want the skip link", cls)
	}
	b.do(chromedp.Focus(chromedp.CSS(`a[href="/console/offer/DE/local/business"]`)), chromedp.KeyEvent(kb.Enter))
	b.waitFor("the offer page", `location.pathname === "/console/offer/DE/local/business" && document.getElementById("req-h") !== null`)
	for sel, want := range map[string]string{"#availability": "available", "#confidence": "high"} {
		if got := eval[string](b, `document.querySelector("`+sel+`").textContent`); got != want {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	if !eval[bool](b, `document.body.textContent.includes("Twilio regulatory guidelines, Germany") && document.body.textContent.includes("2026-11-23")`) {
		t.Error("the offer does not show its source and the day it was read")
	}
}

// deLocalBusiness is what the DE local business form asks for, filled as a compliance
// person would make it complete.
var deLocalBusiness = []struct{ pointer, value string }{
	{"/identity/fields/company_name", "Analytical Engines Ltd"},
	{"/identity/fields/company_registration_number", "HRB 12345"},
	{"/identity/fields/representative_first_name", "Charles"},
	{"/identity/fields/representative_last_name", "Babbage"},
	{"/identity/fields/website", "https://example.com"},
	{"/identity/address/street", "1 Example Street"},
	{"/identity/address/city", "Berlin"},
	{"/identity/address/postal_code", "10117"},
	{"/identity/address/country", "DE"},
}

// TestBrowserPlaygroundFillsToReadyForReview: from the empty form, as fields are filled
// the decision follows without a submit, a failing requirement's message sits at its
// input, and the status moves from incomplete to ready_for_review.
func TestBrowserPlaygroundFillsToReadyForReview(t *testing.T) {
	ts := startServer(t, serverOptions{})
	b := newBrowser(t)
	b.do(chromedp.Navigate(ts.URL+"/console/decide/activation?country=DE&type=local&use=business&number=%2B4930901820"),
		chromedp.WaitVisible(chromedp.ID("playground")))
	b.waitFor("the empty form's decision", `document.getElementById("status").dataset.status === "incomplete"`)

	// A failing requirement: an email that is none. Its message sits at its input.
	email := id("/identity/fields/representative_email")
	b.do(chromedp.SendKeys(chromedp.CSS(email), "charles at example"))
	b.waitFor("field_invalid at the email", `document.querySelector("`+email+`-msg").textContent.includes("field_invalid")`)
	at := eval[bool](b, `(() => {
		const input = document.querySelector("`+email+`");
		const box = input.closest(".control");
		const msg = box.querySelector(".msgs");
		return input.getAttribute("aria-invalid") === "true" && msg.id === input.id + "-msg" &&
			input.getAttribute("aria-describedby").split(" ").includes(msg.id) &&
			msg.textContent.includes("Enter an email address such as name@example.com.") &&
			msg.getBoundingClientRect().top >= input.getBoundingClientRect().bottom &&
			msg.getBoundingClientRect().top - input.getBoundingClientRect().bottom < 80;
	})()`)
	if !at {
		t.Errorf("the email's message is not right below it: %s", eval[string](b, `document.querySelector("`+email+`").closest(".control").outerHTML`))
	}
	if !eval[bool](b, `document.documentElement.dataset.decided !== undefined`) {
		t.Error("the decision came from a page load, not from the form as it changed")
	}

	b.do(setValue(email, ""), chromedp.SendKeys(chromedp.CSS(email), "charles@example.com"))
	for _, f := range deLocalBusiness {
		b.do(chromedp.SendKeys(chromedp.CSS(id(f.pointer)), f.value))
	}
	for i, kind := range []string{"proof_of_address", "business_registration", "tax_registration"} {
		doc := fmt.Sprintf("/identity/documents/%d", i)
		b.do(setValue(id(doc+"/type"), "commercial_register_extract"), setValue(id(doc+"/kind"), kind), setValue(id(doc+"/issued_on"), "2026-10-15"))
	}
	b.do(setValue(id("/identity/verification/status"), "not_started"))
	b.waitFor("ready_for_review", `document.getElementById("status").dataset.status === "ready_for_review"`)
	if said := eval[string](b, `document.getElementById("live-status").textContent`); said != "Decision: ready_for_review" {
		t.Errorf("a screen reader is told %q", said)
	}
	if msgs := eval[string](b, `Array.from(document.querySelectorAll("#playground .msg.bad")).map(m => m.textContent).join(" | ")`); msgs != "" {
		t.Errorf("messages left at the inputs of a complete form: %s", msgs)
	}
	if !eval[bool](b, `!document.querySelector('button[data-copy="curl"]').hidden && document.getElementById("curl").textContent.includes("/v1/decisions/activation")`) {
		t.Error("no Copy as curl for the request made")
	}
	b.do(chromedp.Click(chromedp.CSS(`button[data-copy="curl"]`)))
	b.waitFor("the copy to be confirmed", `document.querySelector(".copied").textContent !== ""`)
}

// TestBrowserLanguageKeepsTheForm: choosing the messages' language on a playground
// decides the same request again in that language; what was typed stays.
func TestBrowserLanguageKeepsTheForm(t *testing.T) {
	ts := startServer(t, serverOptions{})
	b := newBrowser(t)
	b.do(chromedp.Navigate(ts.URL+"/console/decide/activation?country=DE&type=local&use=business&number=%2B4930901820"),
		chromedp.WaitVisible(chromedp.ID("playground")))
	name := id("/identity/fields/company_name")
	b.do(chromedp.SendKeys(chromedp.CSS(name), "Bayerische Rechenwerke GmbH"))
	b.waitFor("the typed name's decision", `document.documentElement.dataset.decided !== undefined`)
	b.do(setValue("#lang", "de"), chromedp.Click(chromedp.CSS(`form.lang button[type="submit"]`)))
	b.waitFor("the decision in German", `document.documentElement.lang === "de" || document.getElementById("result").textContent.includes("Laden Sie")`)
	if got := eval[string](b, `document.querySelector("`+name+`").value`); got != "Bayerische Rechenwerke GmbH" {
		t.Errorf("the company name after choosing German: %q", got)
	}
}

// TestBrowserPolicyShowsABrokenEdit: a broken edit to a country file, reloaded from the
// policy page, is refused and listed there at its file:line:column, as the engine
// reports it; the last good revision keeps serving.
func TestBrowserPolicyShowsABrokenEdit(t *testing.T) {
	ts := startServer(t, serverOptions{})
	b := newBrowser(t)
	b.do(chromedp.Navigate(ts.URL+"/console/policy"), chromedp.WaitVisible(chromedp.ID("reload")))
	revision := eval[string](b, `document.getElementById("revision").textContent`)

	ts.edit(t, "countries/DE.yaml", "scope: local_area", "scope: local_areas")
	_, err := engine.Load(context.Background(), engine.Config{
		Countries: engine.Tree{FS: os.DirFS(filepath.Join(ts.dir, "countries")), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS(filepath.Join(ts.dir, "policies")), Name: "policies"},
	})
	var want string
	if ds, ok := err.(engine.Diagnostics); !ok || len(ds) == 0 {
		t.Fatalf("the broken edit loads: %v", err)
	} else {
		want = fmt.Sprintf("%s:%d:%d", ds[0].File, ds[0].Line, ds[0].Column)
	}
	if !regexp.MustCompile(`^countries/DE\.yaml:\d+:\d+$`).MatchString(want) {
		t.Fatalf("the engine puts the broken edit at %s", want)
	}

	b.do(chromedp.Click(chromedp.ID("reload")))
	b.waitFor("the refused reload", `location.search === "?reload=failed" && document.getElementById("diagnostics") !== null`)
	got := eval[string](b, `document.querySelector("#diagnostics .pos").textContent`)
	if got != want {
		t.Errorf("the policy page puts the problem at %s, the engine at %s", got, want)
	}
	if msg := eval[string](b, `document.getElementById("diagnostics").textContent`); !strings.Contains(msg, `"local_areas" is not allowed`) {
		t.Errorf("the diagnostic does not say what is wrong: %s", msg)
	}
	if now := eval[string](b, `document.getElementById("revision").textContent`); now != revision {
		t.Errorf("serving %s after a refused reload, want %s", now, revision)
	}
}

// TestBrowserSignsInWithAToken: with tokens on, the console asks for a token once, keeps
// a session cookie scripts cannot read, and shows only the pages the token's roles
// allow.
func TestBrowserSignsInWithAToken(t *testing.T) {
	ts := startServer(t, serverOptions{callers: []caller{integrator, operator}})
	b := newBrowser(t)
	b.do(chromedp.Navigate(ts.URL + "/console/decide/activation"))
	b.waitFor("the sign-in page", `location.pathname === "/console/login"`)
	b.do(chromedp.SendKeys(chromedp.ID("token"), "not-the-token"), chromedp.Submit(chromedp.ID("token")))
	b.waitFor("the refusal", `document.getElementById("login-error") !== null`)
	b.do(chromedp.SendKeys(chromedp.ID("token"), integrator.token), chromedp.Submit(chromedp.ID("token")))
	b.waitFor("the page asked for", `location.pathname === "/console/decide/activation" && document.getElementById("principal") !== null`)
	if who := eval[string](b, `document.getElementById("principal").textContent`); who != "integrator" {
		t.Errorf("signed in as %q", who)
	}
	if eval[string](b, `document.cookie`) != "" {
		t.Error("a script can read the console's cookies")
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, tgt *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tgt, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, ck := range cookies {
		if ck.Name == "numgate_console" {
			session = ck
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict {
		t.Errorf("session cookie %+v: want HttpOnly and SameSite=Strict", session)
	}
	if eval[bool](b, `Array.from(document.querySelectorAll("header nav a")).some(a => a.textContent === "Policy")`) {
		t.Error("the navigation offers the policy to a caller without the admin role")
	}
	b.do(chromedp.Navigate(ts.URL + "/console/policy"))
	if text := eval[string](b, `document.querySelector("main").textContent`); !strings.Contains(text, "integrator may not see this page: it needs the admin role") {
		t.Errorf("the policy page for a decide-only caller: %s", text)
	}
	b.do(chromedp.Navigate(ts.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("matrix")))
}

// TestScreenshots writes the README's pictures of the console, docs/console-matrix.png
// and docs/console-playground.png, at 1280×800: go test ./server/console -run
// Screenshots -args -update-screenshots.
func TestScreenshots(t *testing.T) {
	if !*updateScreenshots {
		t.Skip("writes docs/console-*.png only with -args -update-screenshots")
	}
	ts := startServer(t, serverOptions{})
	b := newBrowser(t)
	b.do(chromedp.Navigate(ts.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("matrix")))
	write(t, "console-matrix.png", b.screenshot(1280, 800))

	b.do(chromedp.Navigate(ts.URL+"/console/decide/activation?country=DE&type=local&use=business&number=%2B4930901820"),
		chromedp.WaitVisible(chromedp.ID("playground")))
	for _, f := range deLocalBusiness[:2] {
		b.do(chromedp.SendKeys(chromedp.CSS(id(f.pointer)), f.value))
	}
	b.do(chromedp.SendKeys(chromedp.CSS(id("/identity/fields/representative_email")), "charles at example"))
	b.waitFor("field_invalid at the email", `document.querySelector("`+id("/identity/fields/representative_email")+`-msg").textContent.includes("field_invalid")`)
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("` + id("/identity/fields/company_registration_number") + `").scrollIntoView()`))
	write(t, "console-playground.png", b.screenshot(1280, 800))
}

func write(t *testing.T, name string, png []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "docs", name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d KiB)", path, len(png)>>10)
}
