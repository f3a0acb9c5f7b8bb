package deploytest

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// instruction is one Dockerfile instruction: its keyword in upper case and
// the rest of it, continuation lines joined.
type instruction struct {
	keyword, args string
}

// readDockerfile returns the instructions of the project's Dockerfile,
// comments left out.
func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var line strings.Builder
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if rest, continued := strings.CutSuffix(text, `\`); continued {
			line.WriteString(rest + " ")
			continue
		}
		line.WriteString(text)
		keyword, args, _ := strings.Cut(line.String(), " ")
		out = append(out, instruction{strings.ToUpper(keyword), strings.TrimSpace(args)})
		line.Reset()
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stages splits a Dockerfile's instructions at each FROM.
func stages(instructions []instruction) [][]instruction {
	var out [][]instruction
	for _, in := range instructions {
		if in.keyword == "FROM" {
			out = append(out, nil)
		}
		if len(out) > 0 {
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	return out
}

// argsOf returns the arguments of each instruction of a stage with keyword.
func argsOf(stage []instruction, keyword string) []string {
	var out []string
	for _, in := range stage {
		if in.keyword == keyword {
			out = append(out, in.args)
		}
	}
	return out
}

// goBuild matches a `go build` of the Dockerfile: its flags, and the
// program it writes into /out/bin.
var goBuild = regexp.MustCompile(`go build (.*?) -o /out/bin/(\w+) \.`)

// imageBuild is how the Dockerfile compiles the programs: the build
// stage's ENV settings, and the flags of each program's `go build`.
type imageBuild struct {
	env   []string          // "GOWORK=off", "CGO_ENABLED=0"
	flags map[string]string // program → flags, as shell words
}

// readImageBuild reads imageBuild from the Dockerfile's first stage.
func readImageBuild(t *testing.T) imageBuild {
	t.Helper()
	build := stages(readDockerfile(t))[0]
	b := imageBuild{flags: map[string]string{}}
	for _, env := range argsOf(build, "ENV") {
		b.env = append(b.env, strings.Fields(env)...)
	}
	for _, run := range argsOf(build, "RUN") {
		for _, m := range goBuild.FindAllStringSubmatch(run, -1) {
			b.flags[m[2]] = m[1]
		}
	}
	return b
}

// TestDockerfile checks the image docker-compose.yml builds: a build stage
// that compiles both programs static (no cgo) and stripped, then a small
// base with no shell, a non-root user, the two ports exposed and a health
// check that is the provider's readiness probe.
func TestDockerfile(t *testing.T) {
	all := stages(readDockerfile(t))
	if len(all) < 2 {
		t.Fatalf("%d stages, want a multi-stage build (compile, then a small base)", len(all))
	}
	build, final := readImageBuild(t), all[len(all)-1]
	for _, want := range []string{"CGO_ENABLED=0", "GOWORK=off"} {
		if !slices.Contains(build.env, want) {
			t.Errorf("the build stage does not set %s", want)
		}
	}
	for _, program := range []string{"provider", "client"} {
		if flags := build.flags[program]; !strings.Contains(flags, "-ldflags='-s -w'") {
			t.Errorf("go build of %s: flags %q, want -ldflags='-s -w' (stripped)", program, flags)
		}
	}
	if base := argsOf(final, "FROM"); len(base) != 1 || !strings.HasPrefix(base[0], "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %q, want distroless/static (no shell, no libc)", base)
	}
	if user := argsOf(final, "USER"); len(user) == 0 || strings.HasPrefix(user[len(user)-1], "0") || strings.HasPrefix(user[len(user)-1], "root") {
		t.Errorf("final stage USER %q, want a non-root user", user)
	}
	if expose := strings.Fields(strings.Join(argsOf(final, "EXPOSE"), " ")); !slices.Contains(expose, "8080") || !slices.Contains(expose, "3000") {
		t.Errorf("EXPOSE %v, want 8080 and 3000", expose)
	}
	checkHealthcheck(t, argsOf(final, "HEALTHCHECK"))
}

// checkHealthcheck checks that the image's HEALTHCHECK runs the provider's
// readiness probe, as the provider's compose service does.
func checkHealthcheck(t *testing.T, healthchecks []string) {
	t.Helper()
	if len(healthchecks) != 1 {
		t.Fatalf("HEALTHCHECK %q, want one", healthchecks)
	}
	_, command, _ := strings.Cut(healthchecks[0], "CMD ")
	var got []string
	if err := json.Unmarshal([]byte(command), &got); err != nil {
		t.Fatalf("HEALTHCHECK %q: want CMD in the exec form: %v", healthchecks[0], err)
	}
	if want := loadCompose(t).Services["provider"].HealthCheck.Test[1:]; !slices.Equal(got, want) {
		t.Errorf("HEALTHCHECK CMD %q, want %q (the provider service's)", got, want)
	}
}

// golangImage matches the build stage's base image, an official golang
// image, and its Go version: the tag up to its variant ("-bookworm") or
// digest.
var golangImage = regexp.MustCompile(`^golang:(\d+\.\d+(?:\.\d+)?)(?:[-@]|$)`)

// TestDockerfileGoVersion checks that the build stage's image holds a Go at
// least as new as the go line of every module's go.mod. The golang images
// set GOTOOLCHAIN=local, so an older Go does not fetch the toolchain a
// go.mod asks for: it refuses to build ("go.mod requires go >= …"). A tag
// without the patch version (golang:1.26) counts as older, since it is
// whichever 1.26.x the machine has cached: docker compose does not pull a
// newer one to build.
func TestDockerfileGoVersion(t *testing.T) {
	from := argsOf(stages(readDockerfile(t))[0], "FROM")
	m := golangImage.FindStringSubmatch(from[0])
	if m == nil {
		t.Fatalf("the build stage is FROM %q, want a golang:<version> image", from[0])
	}
	image, tag := "go"+m[1], strings.Fields(from[0])[0]
	list := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.GoVersion}}") // the workspace's modules
	list.Dir = ".."
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	modules := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, line := range modules {
		module, goLine, _ := strings.Cut(line, " ")
		if version.Compare(image, "go"+goLine) < 0 {
			t.Errorf("the build stage's %s is older than %s's go.mod (go %s)", tag, module, goLine)
		}
	}
	if len(modules) < 2 {
		t.Errorf("go list -m found the modules %q, want the workspace's", modules)
	}
}

// TestDockerfileBinariesAreStaticAndStripped checks the programs built as
// the Dockerfile builds them: no ELF interpreter (static: distroless/static
// has no libc) and no symbol table (stripped).
func TestDockerfileBinariesAreStaticAndStripped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the image's binaries are Linux ELF files; this host builds %s ones", runtime.GOOS)
	}
	bin := buildBoth(t)
	for _, program := range []string{"provider", "client"} {
		f, err := elf.Open(filepath.Join(bin, program))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked (it names an ELF interpreter)", program)
			}
		}
		if f.Section(".symtab") != nil {
			t.Errorf("%s is not stripped (it has a .symtab)", program)
		}
		f.Close()
	}
}

// built holds the programs compiled once for this package's tests.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// buildBoth compiles the provider and the client once, as the Dockerfile
// does (its ENV settings and go build flags, each module on its own), into
// one directory that TestMain removes, and returns that directory. The
// compose test thus runs the image's programs; `make run` runs the same
// code.
func buildBoth(t *testing.T) string {
	t.Helper()
	image := readImageBuild(t)
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "deploytest-bin-")
		if built.err != nil {
			return
		}
		for _, program := range []string{"provider", "client"} {
			if built.err = buildAsImage(image, program, built.dir); built.err != nil {
				return
			}
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir
}

// buildAsImage compiles program (its module directory has its name) into
// dir with the image's settings; the flags are shell words, as in the
// Dockerfile.
func buildAsImage(image imageBuild, program, dir string) error {
	flags, ok := image.flags[program]
	if !ok {
		return fmt.Errorf("the Dockerfile does not build %s", program)
	}
	cmd := exec.Command("bash", "-c", "go build "+flags+` -o "$OUT" .`)
	cmd.Dir = filepath.Join("..", program)
	cmd.Env = append(append(os.Environ(), image.env...), "OUT="+filepath.Join(dir, program))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s as the Dockerfile does: %v\n%s", program, err, out)
	}
	return nil
}

// TestMain removes the programs buildBoth compiled.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
