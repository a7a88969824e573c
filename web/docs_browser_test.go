package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/carecast/carecast/api"
)

// tripwire stands in for the network: chromium is started with it as its proxy (and with every
// host name but 127.0.0.1 unresolvable), so a request to anything but the loopback server
// reaches it instead of leaving the machine. It records each request line and drops the
// connection.
type tripwire struct {
	ln   net.Listener
	mu   sync.Mutex
	seen []string
}

func newTripwire(t *testing.T) *tripwire {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tw := &tripwire{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				tw.mu.Lock()
				tw.seen = append(tw.seen, strings.TrimSpace(line))
				tw.mu.Unlock()
			}()
		}
	}()
	return tw
}

// take returns the request lines seen so far and forgets them.
func (tw *tripwire) take() []string {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	s := tw.seen
	tw.seen = nil
	return s
}

// chromiumOwn reports whether a request line the tripwire caught is one chromium sends by
// itself now and then (sign-in, optimisation hints), whatever the page: those are not the
// page's, whose requests the test sees as network events.
func chromiumOwn(line string) bool {
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	host := f[1]
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	host, _, _ = strings.Cut(host, ":")
	return host == "google.com" || strings.HasSuffix(host, ".google.com") || strings.HasSuffix(host, ".googleapis.com")
}

// TestBrowserDocsOffline is issue 14's "docs offline": with the network off for everything but
// the loopback server, /docs renders every operation of the OpenAPI document, and the page
// asks for nothing that is not on that server.
func TestBrowserDocsOffline(t *testing.T) {
	tw := newTripwire(t)
	ctx := browserCtx(t,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.ProxyServer("http://"+tw.ln.Addr().String()),
	)
	s := startServer(t, false)
	srv, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var requests, problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, string(e.Entry.Source)+": "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				b, _ := json.Marshal(e.Args)
				problems = append(problems, "console."+string(e.Type)+": "+string(b))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, log.Enable, cdp.Empty{})
		return err
	}))

	// The network really is off: a request to another host reaches the tripwire, not the
	// world (.invalid names never resolve anywhere).
	eval[bool](t, ctx, `fetch("http://carecast-offline-check.invalid/").catch(() => {}), true`)
	deadline := time.Now().Add(10 * time.Second)
	var caught []string
	for len(caught) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		caught = tw.take()
	}
	if !slices.ContainsFunc(caught, func(l string) bool { return strings.Contains(l, "carecast-offline-check.invalid") }) {
		t.Fatalf("the check request did not reach the tripwire (saw %q): the network is not off", caught)
	}
	mu.Lock()
	requests, problems = nil, nil
	mu.Unlock()

	// The operations the page must show: every one in the document it points at.
	res, err := http.Get(s.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Summary string `json:"summary"`
		} `json:"paths"`
	}
	err = json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, ops := range doc.Paths {
		for _, op := range ops {
			summaries = append(summaries, op.Summary)
		}
	}
	if len(summaries) < 10 {
		t.Fatalf("openapi.json has %d operations", len(summaries))
	}

	do(t, ctx, chromedp.Navigate(s.URL+"/docs"))
	waitPath(t, ctx, "/docs")
	var shown []string
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && len(shown) < len(summaries) {
		shown = eval[[]string](t, ctx, `[...document.querySelectorAll(".opblock .opblock-summary-description")].map(e => e.textContent.trim())`)
		if len(shown) < len(summaries) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(shown) == 0 {
		shot(t, ctx, "docs-offline.png")
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("/docs shows no operations after 30 s; the tripwire caught %q; requests %q; problems %q", tw.take(), requests, problems)
	}
	for _, want := range summaries {
		if !slices.Contains(shown, want) {
			t.Errorf("/docs does not show operation %q", want)
		}
	}
	for _, want := range []string{"Who am I", "Liveness", "Readiness"} {
		if !slices.Contains(shown, want) {
			t.Errorf("/docs does not show %q", want)
		}
	}
	if got := text(t, ctx, ".info .title"); !strings.HasPrefix(got, api.Title) {
		t.Errorf("title %q", got)
	}
	shot(t, ctx, "docs-offline.png")

	for _, line := range tw.take() {
		if chromiumOwn(line) {
			t.Logf("chromium's own background request, kept off the network: %s", line)
			continue
		}
		t.Errorf("/docs tried to reach the network: %s", line)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "data" && p.Host != srv.Host) {
			t.Errorf("/docs requested %s, which is not on the loopback server %s", u, srv.Host)
		}
	}
	if !slices.ContainsFunc(requests, func(u string) bool { return strings.HasSuffix(u, "/docs/swagger-ui-bundle.js") }) {
		t.Errorf("requests seen %q lack the Swagger UI bundle: are the network events recorded?", requests)
	}
	for _, p := range problems {
		t.Errorf("/docs logged %s", p)
	}
}
