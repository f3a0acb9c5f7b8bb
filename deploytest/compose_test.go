package deploytest

import (
	"context"
	"encoding/json"
	stdmaps "maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
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
	return loadComposeFile(t, "../docker-compose.yml", profiles...)
}

// loadComposeFile loads a compose file as loadCompose does.
func loadComposeFile(t *testing.T, path string, profiles ...string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(".."), cli.WithEnv(nil), cli.WithProfiles(profiles), cli.WithName("oauth-reference"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("%s does not load: %v", path, err)
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
			checkComposeHealthcheck(t, bin, project.Services["provider"], penv, false)
			provider := processtest.Start(t, filepath.Join(bin, "provider"), penv)
			processtest.WaitReady(t, provider, "http://"+providerAddr+"/readyz", 30*time.Second)
			checkComposeHealthcheck(t, bin, project.Services["provider"], penv, true)
			if !strings.Contains(provider.Log(), tt.wantStore) {
				t.Fatalf("the provider does not say %s:\n%s", tt.wantStore, provider.Log())
			}

			cenv := env(project.Services["client"])
			cenv["AUTH_SERVER_INTERNAL"] = strings.Replace(cenv["AUTH_SERVER_INTERNAL"], "provider:8080", providerAddr, 1)
			cenv["CLIENT_ADDR"] = clientAddr
			checkComposeHealthcheck(t, bin, project.Services["client"], cenv, false)
			client := processtest.Start(t, filepath.Join(bin, "client"), cenv)
			processtest.WaitReady(t, client, "http://"+clientAddr+"/readyz", 30*time.Second)
			checkComposeHealthcheck(t, bin, project.Services["client"], cenv, true)

			b := newBrowser(t, map[string]string{"localhost:8080": providerAddr, "localhost:3000": clientAddr})
			_, first := b.Get("http://localhost:3000/")
			for _, want := range []string{"<code>http://localhost:8080</code>", "<code>" + cenv["AUTH_SERVER_INTERNAL"] + "</code>",
				"AUTH_SERVER_INTERNAL", "✓ issuer agrees"} {
				if !strings.Contains(first, want) {
					t.Errorf("the first page (teaching mode) lacks %q: it must show both ways to the provider", want)
				}
			}
			if home := signIn(t, b); !strings.Contains(home, "Signed in as Demo User") {
				t.Errorf("after signing in, the home page lacks %q", "Signed in as Demo User")
			}
		})
	}
}

// checkComposeHealthcheck runs a service's health check command (the CMD
// form, a program of the image) with the service's environment, as Docker
// runs it inside the container, and checks that it reports the service
// healthy (exit 0) or not (any other status), as want says.
func checkComposeHealthcheck(t *testing.T, bin string, svc types.ServiceConfig, env map[string]string, want bool) {
	t.Helper()
	test := svc.HealthCheck.Test
	if len(test) < 2 || test[0] != "CMD" {
		t.Fatalf("%s: healthcheck %q, want the CMD form", svc.Name, test)
	}
	check := processtest.Start(t, filepath.Join(bin, test[1]), env, test[2:]...)
	if code := check.Wait(t, 10*time.Second); (code == 0) != want {
		t.Errorf("%s: its healthcheck %q exited %d; want healthy = %v:\n%s", svc.Name, test[1:], code, want, check.Log())
	}
}

// newBrowser returns the demo user's browser (providertest.Browser) at
// localhost: its resolver sends localhost:8080 and localhost:3000 to where
// the programs listen (docker publishes them there).
func newBrowser(t *testing.T, hosts map[string]string) *providertest.Browser {
	b := providertest.NewBrowser(t)
	b.Client.Timeout = 20 * time.Second
	b.Client.Transport = roundTripper(func(r *http.Request) (*http.Response, error) {
		to, ok := hosts[r.URL.Host]
		if !ok {
			return http.DefaultTransport.RoundTrip(r)
		}
		published := r.Clone(r.Context())
		published.URL.Host = to
		resp, err := http.DefaultTransport.RoundTrip(published)
		if resp != nil {
			resp.Request = r // a page's form posts back to the address the browser used
		}
		return resp, err
	})
	return b
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// signIn runs the authorization code flow from the client's Login link
// and returns the client's home page afterwards.
func signIn(t *testing.T, b *providertest.Browser) string {
	t.Helper()
	resp, _ := b.Get("http://localhost:3000/login")
	authorize := resp.Header.Get("Location")
	if !strings.HasPrefix(authorize, "http://localhost:8080/oauth/authorize?") {
		t.Fatalf("GET /login: got %d to %q, want the provider's authorization endpoint", resp.StatusCode, authorize)
	}
	callback := b.Approve(authorize)
	if callback.Host != "localhost:3000" || callback.Path != "/callback" {
		t.Fatalf("sign-in: redirected to %q, want the client's callback", callback)
	}
	if resp, body := b.Get(callback.String()); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: got %d, want 302 home: %.300s", resp.StatusCode, body)
	}
	_, home := b.Get("http://localhost:3000/")
	return home
}

// readmeCompose matches the README's `docker compose config` excerpt.
var readmeCompose = regexp.MustCompile("(?s)```yaml\n(services:\n.*?)```")

// TestReadmeShowsTheComposeConfig loads the README's excerpt of `docker
// compose --profile postgres config` with the same loader (its volumes
// declared) and checks that what it shows of each service — command,
// image, environment, ports, volumes, health check, start order, restart
// policy, profiles — is what docker-compose.yml gives.
func TestReadmeShowsTheComposeConfig(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := readmeCompose.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```yaml block starting with services:")
	}
	excerpt := filepath.Join(t.TempDir(), "compose.yml")
	declared := "volumes: {provider-data: {}, postgres-data: {}}\n"
	if err := os.WriteFile(excerpt, append(m[1], declared...), 0o600); err != nil {
		t.Fatal(err)
	}
	shown, real := loadComposeFile(t, excerpt, "postgres"), loadCompose(t, "postgres")
	if got, want := serviceNames(shown), serviceNames(real); !slices.Equal(got, want) {
		t.Fatalf("the README shows services %v, docker-compose.yml has %v", got, want)
	}
	for name, svc := range real.Services {
		got, want := reflect.ValueOf(shownFields(shown.Services[name])), reflect.ValueOf(shownFields(svc))
		for i := range got.NumField() {
			if g, w := got.Field(i).Interface(), want.Field(i).Interface(); !reflect.DeepEqual(g, w) {
				shownJSON, _ := json.Marshal(g)
				realJSON, _ := json.Marshal(w)
				t.Errorf("%s %s: the README shows %s, docker-compose.yml gives %s", name, got.Type().Field(i).Name, shownJSON, realJSON)
			}
		}
	}
}

// shownService is what the README's excerpt shows of a service.
type shownService struct {
	Command     types.ShellCommand
	Image       string
	Environment types.MappingWithEquals
	Ports       []types.ServicePortConfig
	Volumes     []types.ServiceVolumeConfig // type, source and target
	HealthCheck *types.HealthCheckConfig
	DependsOn   types.DependsOnConfig
	Restart     string
	Profiles    []string
}

// shownFields returns what the README's excerpt shows of svc.
func shownFields(svc types.ServiceConfig) shownService {
	volumes := make([]types.ServiceVolumeConfig, len(svc.Volumes))
	for i, v := range svc.Volumes {
		volumes[i] = types.ServiceVolumeConfig{Type: v.Type, Source: v.Source, Target: v.Target}
	}
	return shownService{
		Command: svc.Command, Image: svc.Image, Environment: svc.Environment, Ports: svc.Ports, Volumes: volumes,
		HealthCheck: svc.HealthCheck, DependsOn: svc.DependsOn, Restart: svc.Restart, Profiles: svc.Profiles,
	}
}
