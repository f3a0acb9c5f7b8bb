package deploytest

import (
	"context"
	"html"
	"io"
	stdmaps "maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/oauth-reference/provider/processtest"
	"github.com/oauth-reference/provider/providertest"
)

// loadCompose loads docker-compose.yml as `docker compose` does (the same
// loader), with the profiles given and no .env: what a fresh clone gets.
func loadCompose(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."), cli.WithEnv(nil), cli.WithProfiles(profiles), cli.WithName("oauth-reference"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

// TestComposeFile checks the shape of docker-compose.yml: the services of
// each profile, a /readyz healthcheck on each, start order on health,
// restart policies, ports on loopback only, and no secret in the file.
func TestComposeFile(t *testing.T) {
	plain, pg := loadCompose(t), loadCompose(t, "postgres")
	if got := serviceNames(plain); !slices.Equal(got, []string{"client", "provider"}) {
		t.Errorf("docker compose up: services %v, want client, provider", got)
	}
	if got := serviceNames(pg); !slices.Equal(got, []string{"client", "postgres", "provider"}) {
		t.Errorf("docker compose --profile postgres up: services %v, want client, postgres, provider", got)
	}
	for name, want := range map[string][]string{"provider": {"CMD", "provider", "healthcheck"}, "client": {"CMD", "client", "healthcheck"}} {
		svc := pg.Services[name]
		if svc.HealthCheck == nil || !slices.Equal(svc.HealthCheck.Test, want) {
			t.Errorf("%s: healthcheck %v, want %v (its /readyz)", name, svc.HealthCheck, want)
		}
		if svc.Build == nil || svc.Image != pg.Services["provider"].Image {
			t.Errorf("%s: want one image, built from the Dockerfile, for both programs", name)
		}
		for _, port := range svc.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %s published on %q, want 127.0.0.1 only", name, port.Published, port.HostIP)
			}
		}
	}
	if pg.Services["postgres"].HealthCheck == nil {
		t.Error("postgres: no healthcheck, so nothing can wait for it")
	}
	for name, svc := range pg.Services {
		if svc.Restart == "" || svc.Restart == "no" {
			t.Errorf("%s: restart policy %q", name, svc.Restart)
		}
		for k, v := range svc.Environment {
			if v != nil && (strings.Contains(k, "SECRET") || strings.Contains(k, "PASSWORD") || strings.Contains(k, "KEY")) && *v != "" {
				t.Errorf("%s: %s has a value written in the file; secrets come from .env or are generated", name, k)
			}
		}
	}
	if dep := pg.Services["client"].DependsOn["provider"]; dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("client depends_on provider: %+v, want condition service_healthy", dep)
	}
	if dep := pg.Services["provider"].DependsOn["postgres"]; dep.Condition != types.ServiceConditionHealthy || dep.Required {
		t.Errorf("provider depends_on postgres: %+v, want service_healthy, required: false (only with the profile)", dep)
	}
	if !slices.Contains(pg.Services["postgres"].Profiles, "postgres") {
		t.Error("postgres is not in the postgres profile")
	}
}

// serviceNames returns the names of the services a project runs, sorted.
func serviceNames(p *types.Project) []string {
	return slices.Sorted(stdmaps.Keys(p.Services))
}

// env returns a service's environment as compose passes it.
func env(svc types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// TestE2EComposeFlow runs the provider and the client binaries with exactly
// the environment docker-compose.yml gives them, service names mapped to
// loopback addresses (provider:8080 → 127.0.0.1:P; the postgres service →
// the test's PostgreSQL, or, without the profile, a name that does not
// exist), and signs in through the client as a browser at localhost would.
func TestE2EComposeFlow(t *testing.T) {
	bin := buildBoth(t)
	for _, tt := range []struct {
		profile   string
		wantStore string // what the provider's start-up line says
	}{
		{"", `database="sqlite `},
		{"postgres", "database=postgres"},
	} {
		t.Run("profile="+tt.profile, func(t *testing.T) {
			var profiles []string
			pgURL := "postgres://x@postgres.invalid:5432/oauth" // the postgres service is absent: its name does not resolve
			if tt.profile != "" {
				profiles = []string{tt.profile}
				pgURL = providertest.PostgresURL(t)
			}
			project := loadCompose(t, profiles...)
			providerAddr, clientAddr := processtest.FreeAddr(t), processtest.FreeAddr(t)

			penv := env(project.Services["provider"])
			if u, err := url.Parse(penv["DATABASE_URL"]); err != nil || u.Host != "postgres:5432" {
				t.Fatalf("provider DATABASE_URL %q: want the postgres service", penv["DATABASE_URL"])
			}
			penv["DATABASE_URL"] = pgURL
			penv["DATABASE_FALLBACK"] = filepath.Join(t.TempDir(), strings.TrimPrefix(penv["DATABASE_FALLBACK"], "/data/"))
			penv["PROVIDER_ADDR"] = providerAddr // the container's :8080, published on 127.0.0.1
			provider := processtest.Start(t, filepath.Join(bin, "provider"), penv)
			processtest.WaitReady(t, provider, "http://"+providerAddr+"/readyz", 30*time.Second)
			if !strings.Contains(provider.Log(), tt.wantStore) {
				t.Fatalf("the provider does not say %s:\n%s", tt.wantStore, provider.Log())
			}

			cenv := env(project.Services["client"])
			cenv["AUTH_SERVER_INTERNAL"] = strings.Replace(cenv["AUTH_SERVER_INTERNAL"], "provider:8080", providerAddr, 1)
			cenv["CLIENT_ADDR"] = clientAddr
			client := processtest.Start(t, filepath.Join(bin, "client"), cenv)
			processtest.WaitReady(t, client, "http://"+clientAddr+"/readyz", 30*time.Second)

			b := newBrowser(t, map[string]string{"localhost:8080": providerAddr, "localhost:3000": clientAddr})
			_, first := b.do(t, http.MethodGet, "http://localhost:3000/", nil)
			for _, want := range []string{"<code>http://localhost:8080</code>", "<code>" + cenv["AUTH_SERVER_INTERNAL"] + "</code>",
				"AUTH_SERVER_INTERNAL", "✓ issuer agrees"} {
				if !strings.Contains(first, want) {
					t.Errorf("the first page (teaching mode) lacks %q: it must show both ways to the provider", want)
				}
			}
			if home := b.signIn(t); !strings.Contains(home, "Signed in as Demo User") {
				t.Errorf("after signing in, the home page lacks %q", "Signed in as Demo User")
			}
		})
	}
}

// browser is a user agent at localhost: a cookie jar, no automatic
// redirects, and a resolver that sends localhost:8080 and localhost:3000
// to where the programs listen (docker publishes them there).
type browser struct {
	client *http.Client
}

func newBrowser(t *testing.T, hosts map[string]string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{client: &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			if to, ok := hosts[r.URL.Host]; ok {
				r = r.Clone(r.Context())
				r.URL.Host = to
			}
			return http.DefaultTransport.RoundTrip(r)
		}),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// signIn runs the authorization code flow from the client's Login link
// and returns the client's home page afterwards.
func (b *browser) signIn(t *testing.T) string {
	t.Helper()
	resp, _ := b.do(t, http.MethodGet, "http://localhost:3000/login", nil)
	authorize := resp.Header.Get("Location")
	if !strings.HasPrefix(authorize, "http://localhost:8080/oauth/authorize?") {
		t.Fatalf("GET /login: got %d to %q, want the provider's authorization endpoint", resp.StatusCode, authorize)
	}
	_, page := b.do(t, http.MethodGet, authorize, nil)
	form := url.Values{"username": {"demo"}, "password": {"demo"}, "decision": {"allow"}}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	resp, _ = b.do(t, http.MethodPost, "http://localhost:8080/oauth/authenticate", form)
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, "http://localhost:3000/callback?") {
		t.Fatalf("sign-in: got %d to %q, want the client's callback", resp.StatusCode, callback)
	}
	if resp, body := b.do(t, http.MethodGet, callback, nil); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: got %d, want 302 home: %.300s", resp.StatusCode, body)
	}
	_, home := b.do(t, http.MethodGet, "http://localhost:3000/", nil)
	return home
}

func (b *browser) do(t *testing.T, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
