package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// buildContext writes the acceptance test's context: a multi-stage Dockerfile with ARG before FROM, a
// builder stage with a cache mount, COPY --from, USER, WORKDIR, ENV, EXPOSE, HEALTHCHECK, ENTRYPOINT +
// CMD and LABEL, and a .dockerignore that excludes a file.
func buildContext(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ctx")
	files := map[string]string{
		"Dockerfile": `ARG BASE=` + Busybox + `
FROM ${BASE} AS builder
ARG GREETING=hello
RUN --mount=type=cache,target=/cache echo "$GREETING" > /cache/g && mkdir -p /out && cp /cache/g /out/greeting && echo built > /out/artifact && chown -R 1000:1000 /out

FROM ${BASE}
LABEL org.example.t12=yes org.example.stage=final
ENV APP_MODE=prod
WORKDIR /app
COPY --from=builder /out /app/out
COPY --chown=1000:1000 app.sh /app/app.sh
COPY data/ /app/data/
EXPOSE 8080/tcp
HEALTHCHECK --interval=30s --timeout=3s CMD true
USER 1000:1000
ENTRYPOINT ["/bin/sh"]
CMD ["/app/app.sh"]
`,
		".dockerignore":   "data/secret.txt\n",
		"app.sh":          "id -u\npwd\necho $APP_MODE\ncat /app/out/artifact /app/out/greeting\n",
		"data/kept.txt":   "kept\n",
		"data/secret.txt": "must not be copied\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// imageConfig is what the acceptance test compares between skiff's and podman's build.
type imageConfig struct {
	Config struct {
		Env          []string
		Cmd          []string
		Entrypoint   []string
		User         string
		WorkingDir   string
		ExposedPorts map[string]struct{}
		Labels       map[string]string
	}
	Healthcheck json.RawMessage
}

func parseConfig(t *testing.T, js string) imageConfig {
	t.Helper()
	var c []imageConfig
	if err := json.Unmarshal([]byte(js), &c); err != nil || len(c) != 1 {
		t.Fatalf("inspect output: %v\n%s", err, js)
	}
	delete(c[0].Config.Labels, "io.buildah.version") // each tool's own buildah
	return c[0]
}

var stepLine = regexp.MustCompile(`^(\[\d+/\d+\] )?STEP (\d+)/(\d+): (\S+)`)

// The acceptance build: skiff builds it, the image runs as configured, podman's build of the same
// context has the same config and files, and a rebuild takes every step from the cache.
func TestBuildMultiStage(t *testing.T) {
	g := Isolated(t)
	ctx := buildContext(t)
	tag := "localhost/t12-build:1"
	iid := filepath.Join(t.TempDir(), "iid")
	r := Run(t, append(g, "build", "--format", "docker", "-t", tag, "--iidfile", iid, ctx)...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	for _, want := range []string{"[1/2] STEP 1/3: FROM " + Busybox + " AS builder", "[2/2] STEP 12/12: CMD", "COMMIT " + tag, "Successfully tagged " + tag} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("build output lacks %q:\n%s", want, r.Stdout)
		}
	}
	// With --iidfile the ID goes to the file only, as with Podman.
	id := strings.TrimPrefix(mustRead(t, iid), "sha256:")
	if !Matches(`^[0-9a-f]{64}$`, id) || strings.Contains(r.Stdout, id) {
		t.Fatalf("--iidfile holds %q; stdout:\n%s", id, r.Stdout)
	}
	if got := Must(t, append(g, "run", "--rm", tag)...); got != "1000\n/app\nprod\nbuilt\nhello" {
		t.Fatalf("the built image prints %q", got)
	}
	files := Must(t, append(g, "run", "--rm", "--entrypoint", "", tag, "sh", "-c", "cd /app && find . | sort | xargs stat -c '%n %u:%g %a'")...)
	for _, want := range []string{"./app.sh 1000:1000", "./out/artifact 1000:1000", "./data/kept.txt 0:0"} {
		if !strings.Contains(files, want) {
			t.Errorf("files in /app lack %q:\n%s", want, files)
		}
	}
	if strings.Contains(files, "secret.txt") {
		t.Errorf(".dockerignore'd file was copied:\n%s", files)
	}

	// A rebuild with no change takes every step from the cache.
	r = Run(t, append(g, "build", "--format", "docker", "-t", tag, ctx)...)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	lines := strings.Split(r.Stdout, "\n")
	for i, l := range lines {
		m := stepLine.FindStringSubmatch(l)
		if m == nil || m[4] == "FROM" {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "--> Using cache") {
			t.Errorf("rebuild: %q did not use the cache:\n%s", l, r.Stdout)
		}
	}
	if got := strings.TrimSpace(lines[len(lines)-2]); got != id {
		t.Errorf("the cached rebuild made %s, want %s", got, id)
	}

	// podman builds the same context into the same config and the same files.
	dir := t.TempDir()
	pflags := []string{"--root", filepath.Join(dir, "proot"), "--runroot", filepath.Join(dir, "prun"), "--storage-driver", "vfs", "--runtime", "runc"}
	podman := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("podman", append(append([]string{}, pflags...), args...)...)
		// Podman keeps RUN --mount=type=cache in $TMPDIR/buildah-cache, a directory shared by every user
		// of the machine: give it the test's own.
		cmd.Env = append(os.Environ(), "TMPDIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		_ = exec.Command("podman", append(append([]string{}, pflags...), "unshare", "rm", "-rf", filepath.Join(dir, "proot"), filepath.Join(dir, "prun"))...).Run()
	})
	podman("build", "-q", "--tls-verify=false", "--format", "docker", "-t", "localhost/t12-podman-build:1", ctx)
	want := parseConfig(t, podman("image", "inspect", "localhost/t12-podman-build:1"))
	got := parseConfig(t, Must(t, append(g, "image", "inspect", tag)...))
	if !reflect.DeepEqual(got.Config, want.Config) {
		t.Errorf("config differs from podman's:\nskiff:  %+v\npodman: %+v", got.Config, want.Config)
	}
	var gh, wh any
	_ = json.Unmarshal(got.Healthcheck, &gh)
	_ = json.Unmarshal(want.Healthcheck, &wh)
	if gh == nil || !reflect.DeepEqual(gh, wh) {
		t.Errorf("Healthcheck differs from podman's:\nskiff:  %s\npodman: %s", got.Healthcheck, want.Healthcheck)
	}
	archive := filepath.Join(dir, "podman-build.tar")
	podman("save", "-q", "-o", archive, "localhost/t12-podman-build:1")
	Must(t, append(g, "load", "-q", "-i", archive)...)
	podmanFiles := Must(t, append(g, "run", "--rm", "--entrypoint", "", "localhost/t12-podman-build:1", "sh", "-c", "cd /app && find . | sort | xargs stat -c '%n %u:%g %a'")...)
	if podmanFiles != files {
		t.Errorf("files in /app differ:\nskiff:\n%s\npodman:\n%s", files, podmanFiles)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// Bad input fails in one line before anything is built; a failing RUN gives Podman's message and status
// and leaves no build container; what the user had stored stays.
func TestBuildErrors(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	before := Must(t, append(g, "images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")...)
	dir := t.TempDir()
	write := func(name, content string) string {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "Dockerfile"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	syntax := write("syntax", "FROM "+Busybox+"\nRUN echo hi\nCOPY\n")
	r := Expect(t, 125, []string{filepath.Join(syntax, "Dockerfile") + ":3:", "COPY requires at least two arguments"}, append(g, "build", syntax)...)
	oneLine(t, r)
	unknown := write("unknown", "FROM "+Busybox+"\nFROBNICATE x\n")
	r = Expect(t, 125, []string{filepath.Join(unknown, "Dockerfile") + ":2:", "unknown instruction FROBNICATE"}, append(g, "build", unknown)...)
	oneLine(t, r)
	r = Expect(t, 125, []string{filepath.Join(dir, "missing"), "no such file or directory"}, append(g, "build", filepath.Join(dir, "missing"))...)
	oneLine(t, r)
	r = Expect(t, 125, []string{"--pull"}, append(g, "build", "--pull", "sometimes", syntax)...)
	oneLine(t, r)

	failing := write("failing", "FROM "+Busybox+"\nRUN echo start\nRUN exit 3\n")
	r = Run(t, append(g, "build", "-t", "localhost/t12-failing", failing)...)
	if r.Code != 3 || !strings.Contains(r.Stderr, `Error: building at STEP "RUN exit 3": while running runtime: exit status 3`) {
		t.Fatalf("failing RUN: want exit 3 and Podman's message\n%s", r)
	}
	ctrs := Must(t, append(g, "unshare", "sh", "-c", "cat "+g[1]+"/*-containers/*containers.json 2>/dev/null; ls -d "+g[1]+"/*-containers/*/ 2>/dev/null; true")...)
	if Matches(`[0-9a-f]{64}`, ctrs) {
		t.Fatalf("the failed build left containers in the store:\n%s", ctrs)
	}
	// The steps that succeeded stay as untagged cache images, as with Podman; nothing named changes.
	after := Must(t, append(g, "images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")...)
	for _, l := range strings.Split(after, "\n") {
		if !strings.Contains(before, l) && !strings.HasSuffix(l, "<none>:<none>") {
			t.Fatalf("failed builds changed the images:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	}
	for _, l := range strings.Split(before, "\n") {
		if !strings.Contains(after, l) {
			t.Fatalf("failed builds changed the images:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	}
}

// A context sent as a tar on stdin, build arguments, --target, a secret mount, labels, -q and --squash.
func TestBuildStdinSecretTarget(t *testing.T) {
	g := Isolated(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "token")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := filepath.Join(dir, "ctx")
	if err := os.MkdirAll(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	df := "FROM " + Busybox + " AS first\nARG WHO=nobody\nRUN --mount=type=secret,id=tok cat /run/secrets/tok > /seen && echo $WHO > /who\n" +
		"FROM first AS second\nRUN echo second > /second\n"
	if err := os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	tarball, err := exec.Command("tar", "-C", ctx, "-c", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	r := RunIn(t, nil, string(tarball), append(g, "build", "-q", "--target", "first", "--build-arg", "WHO=t12",
		"--secret", "id=tok,src="+secret, "--label", "t12.label=yes", "--squash", "-t", "localhost/t12-stdin", "-")...)
	if r.Code != 0 || !Matches(`^[0-9a-f]{64}\n$`, r.Stdout) {
		t.Fatalf("build -q from stdin: want only the ID on stdout\n%s", r)
	}
	if got := Must(t, append(g, "run", "--rm", "localhost/t12-stdin", "sh", "-c", "cat /seen /who; test -e /second || echo no-second; test -e /run/secrets/tok || echo no-secret")...); got != "s3cret\nt12\nno-second\nno-secret" {
		t.Fatalf("the image shows %q", got)
	}
	if l := Must(t, append(g, "image", "inspect", "--format", `{{index .Labels "t12.label"}}`, "localhost/t12-stdin")...); l != "yes" {
		t.Fatalf("--label: %q", l)
	}
}
