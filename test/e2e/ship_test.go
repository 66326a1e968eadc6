package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// shipName is a registry repository unique to the test, under the t12- prefix of these tests.
func shipName(t *testing.T) string {
	return Registry + "/t12-" + strings.TrimPrefix(Name(t), "t-")
}

// push to the local registry, rmi, pull: the same image ID comes back, and --digestfile holds the
// manifest digest the registry serves.
func TestPushRmiPull(t *testing.T) {
	g := Isolated(t)
	id := Must(t, append(g, "pull", "-q", Busybox)...)
	dest := shipName(t) + ":1"
	Must(t, append(g, "tag", Busybox, dest)...)
	digestFile := filepath.Join(t.TempDir(), "digest")
	r := Run(t, append(g, "push", "--digestfile", digestFile, dest)...)
	if r.Code != 0 || !strings.Contains(r.Stderr, "Writing manifest to image destination") {
		t.Fatalf("push:\n%s", r)
	}
	d, err := os.ReadFile(digestFile)
	if err != nil || !Matches(`^sha256:[0-9a-f]{64}$`, string(d)) {
		t.Fatalf("--digestfile holds %q (%v), want sha256:HEX", d, err)
	}
	Must(t, append(g, "rmi", dest, Busybox)...)
	if got := Must(t, append(g, "pull", "-q", dest)...); got != id {
		t.Fatalf("pull after push = %s, want the pushed image %s", got, id)
	}
	repoDigests := Must(t, append(g, "image", "inspect", "--format", "{{.RepoDigests}}", dest)...)
	if !strings.Contains(repoDigests, string(d)) {
		t.Fatalf("pulled image's RepoDigests %s lack the pushed digest %s", repoDigests, d)
	}
	// zstd layers: the same image comes back.
	zdest := shipName(t) + ":zstd"
	Must(t, append(g, "push", "-q", "--compression-format", "zstd", "--force-compression", dest, zdest)...)
	if got := Must(t, append(g, "pull", "-q", zdest)...); got != id {
		t.Fatalf("pull of the zstd push = %s, want %s", got, id)
	}
	// -q prints nothing; --format oci writes an OCI manifest.
	r = Run(t, append(g, "push", "-q", "--format", "oci", dest, shipName(t)+":oci")...)
	if r.Code != 0 || r.Stderr != "" || r.Stdout != "" {
		t.Fatalf("push -q --format oci:\n%s", r)
	}
}

func TestPushErrors(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	r := Expect(t, 125, []string{"127.0.0.1:5999", "connection refused"}, append(g, "push", Busybox, "127.0.0.1:5999/t12-none:1")...)
	oneLine(t, r)
	r = Expect(t, 125, []string{"nosuchimage", "image not known"}, append(g, "push", "localhost/nosuchimage", shipName(t))...)
	oneLine(t, r)
	r = Expect(t, 125, []string{"--compression-format", "gzip"}, append(g, "push", "--compression-format", "lz4", Busybox, shipName(t))...)
	oneLine(t, r)
}

// save -m writes two images into one docker-archive; load brings both names back.
func TestSaveLoadMultiImage(t *testing.T) {
	g := Isolated(t)
	busy := Must(t, append(g, "pull", "-q", Busybox)...)
	layers := Must(t, append(g, "pull", "-q", Layers)...)
	archive := filepath.Join(t.TempDir(), "two.tar")
	Must(t, append(g, "save", "-q", "-m", "-o", archive, Busybox, Layers)...)
	Must(t, append(g, "rmi", Busybox, Layers)...)
	out := Must(t, append(g, "load", "-i", archive)...)
	for _, want := range []string{"Loaded image: " + Busybox, "Loaded image: " + Layers} {
		if !strings.Contains(out, want) {
			t.Errorf("load output lacks %q:\n%s", want, out)
		}
	}
	for name, id := range map[string]string{Busybox: busy, Layers: layers} {
		if got := Must(t, append(g, "image", "inspect", "--format", "{{.Id}}", name)...); got != id {
			t.Errorf("%s after load has ID %s, want %s", name, got, id)
		}
	}
	// The loaded image runs, and its files are there.
	if got := Must(t, append(g, "run", "--rm", Layers)...); got == "" {
		t.Fatalf("the loaded layers image printed nothing")
	}
}

// save --format oci-archive to stdout, load from stdin: the same image under the same name.
func TestSaveLoadOCIArchiveStdio(t *testing.T) {
	g := Isolated(t)
	id := Must(t, append(g, "pull", "-q", Busybox)...)
	r := Run(t, append(g, "save", "-q", "--format", "oci-archive", Busybox)...)
	if r.Code != 0 || len(r.Stdout) < 1024 {
		t.Fatalf("save to stdout:\n exit %d, %d bytes\n%s", r.Code, len(r.Stdout), r.Stderr)
	}
	Must(t, append(g, "rmi", Busybox)...)
	l := RunIn(t, nil, r.Stdout, append(g, "load", "-q")...)
	if l.Code != 0 || strings.TrimSpace(l.Stdout) != "Loaded image: "+Busybox {
		t.Fatalf("load from stdin:\n%s", l)
	}
	if got := Must(t, append(g, "image", "inspect", "--format", "{{.Id}}", Busybox)...); got != id {
		t.Fatalf("ID after the oci-archive round trip = %s, want %s", got, id)
	}
	// oci-dir and docker-dir write directories.
	dir := filepath.Join(t.TempDir(), "layout")
	Must(t, append(g, "save", "-q", "--format", "oci-dir", "-o", dir, Busybox)...)
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		t.Fatalf("oci-dir: %v", err)
	}
	r = Expect(t, 125, []string{"oci-dir", "-o"}, append(g, "save", "--format", "oci-dir", Busybox)...)
	oneLine(t, r)
}

// An archive podman writes loads in skiff, and one skiff writes loads in podman.
func TestSaveLoadWithPodman(t *testing.T) {
	g := Isolated(t)
	dir := t.TempDir()
	// Podman gets storage of its own: never the user's default, which it would set up with its own driver.
	pflags := []string{"--root", filepath.Join(dir, "proot"), "--runroot", filepath.Join(dir, "prun"), "--storage-driver", "vfs"}
	podman := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("podman", append(append([]string{}, pflags...), args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		_ = exec.Command("podman", append(append([]string{}, pflags...), "unshare", "rm", "-rf", filepath.Join(dir, "proot"), filepath.Join(dir, "prun"))...).Run()
	})
	podman("pull", "-q", "--tls-verify=false", Layers)
	fromPodman := filepath.Join(dir, "podman.tar")
	podman("save", "-q", "-o", fromPodman, Layers)
	out := Must(t, append(g, "load", "-q", "-i", fromPodman)...)
	if out != "Loaded image: "+Layers {
		t.Fatalf("skiff load of podman's archive printed %q", out)
	}
	if got := Must(t, append(g, "run", "--rm", Layers)...); got == "" {
		t.Fatal("the image loaded from podman's archive printed nothing")
	}
	id := Must(t, append(g, "image", "inspect", "--format", "{{.Id}}", Layers)...)
	Must(t, append(g, "tag", Layers, "localhost/t12-fromskiff:1")...)
	fromSkiff := filepath.Join(dir, "skiff.tar")
	Must(t, append(g, "save", "-q", "-o", fromSkiff, "localhost/t12-fromskiff:1")...)
	out = podman("load", "-q", "-i", fromSkiff)
	if !strings.Contains(out, "localhost/t12-fromskiff:1") {
		t.Fatalf("podman load of skiff's archive:\n%s", out)
	}
	if got := strings.TrimSpace(podman("image", "inspect", "--format", "{{.Id}}", "localhost/t12-fromskiff:1")); got != id {
		t.Fatalf("podman sees ID %s, skiff saved %s", got, id)
	}
}

// A corrupt or truncated archive fails in one line and stores nothing.
func TestLoadBadArchive(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar")
	Must(t, append(g, "save", "-q", "-o", good, Busybox)...)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.tar")
	truncated := filepath.Join(dir, "truncated.tar")
	if err := os.WriteFile(garbage, []byte("this is not a tar archive\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	Must(t, append(g, "rmi", Busybox)...)
	for _, f := range []string{garbage, truncated} {
		r := Expect(t, 125, []string{f, "not a docker-archive or oci-archive"}, append(g, "load", "-i", f)...)
		oneLine(t, r)
		if out := Must(t, append(g, "images", "-q")...); out != "" {
			t.Fatalf("a failed load of %s left images: %s", f, out)
		}
	}
	r := Expect(t, 125, []string{"no such file"}, append(g, "load", "-i", filepath.Join(dir, "missing.tar"))...)
	oneLine(t, r)
}

// import of a root file system tar with --change CMD runs that command.
func TestImportChange(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	name := Name(t)
	Must(t, append(g, "create", "--name", name, Busybox)...)
	rootfs := filepath.Join(t.TempDir(), "rootfs.tar")
	Must(t, append(g, "export", "-o", rootfs, name)...)
	out := Must(t, append(g, "import", "-q", "--change", `CMD ["/bin/echo","imported"]`, "--change", "ENV=T12=yes",
		"--message", "from a tarball", rootfs, "localhost/t12-imported:1")...)
	if !Matches(`^sha256:[0-9a-f]{64}$`, out) {
		t.Fatalf("import printed %q, want sha256:ID", out)
	}
	if got := Must(t, append(g, "run", "--rm", "localhost/t12-imported:1")...); got != "imported" {
		t.Fatalf("the imported image's CMD printed %q", got)
	}
	if got := Must(t, append(g, "run", "--rm", "localhost/t12-imported:1", "sh", "-c", "echo $T12")...); got != "yes" {
		t.Fatalf("ENV from --change: %q", got)
	}
	hist := Must(t, append(g, "history", "--format", "{{.Comment}}", "localhost/t12-imported:1")...)
	if !strings.Contains(hist, "from a tarball") {
		t.Fatalf("history lacks --message: %q", hist)
	}
	// From a URL of this host, and from stdin.
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(rootfs))))
	defer srv.Close()
	Must(t, append(g, "import", "-q", "--change", "CMD /bin/echo from-url", srv.URL+"/rootfs.tar", "localhost/t12-url:1")...)
	if got := Must(t, append(g, "run", "--rm", "localhost/t12-url:1")...); got != "from-url" {
		t.Fatalf("image imported from a URL printed %q", got)
	}
	data, err := os.ReadFile(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	if r := RunIn(t, nil, string(data), append(g, "import", "-q", "-", "localhost/t12-stdin:1")...); r.Code != 0 {
		t.Fatalf("import from stdin:\n%s", r)
	}
	if got := Must(t, append(g, "run", "--rm", "localhost/t12-stdin:1", "cat", "/etc/hostname")...); got == "" {
		t.Fatal("image imported from stdin has no files")
	}
	r := Expect(t, 125, []string{"404"}, append(g, "import", srv.URL+"/none.tar")...)
	oneLine(t, r)
	r = Expect(t, 125, []string{"BOGUS", "unknown instruction"}, append(g, "import", "--change", "BOGUS x", rootfs)...)
	oneLine(t, r)
	r = Expect(t, 125, []string{"no such file"}, append(g, "import", filepath.Join(t.TempDir(), "none.tar"))...)
	oneLine(t, r)
}

// diff lists A, C and D entries; commit keeps the changes and applies --change.
func TestDiffCommit(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	name := Name(t)
	Must(t, append(g, "run", "--name", name, Busybox, "sh", "-c",
		"echo hello > /added && echo x >> /etc/passwd && rm /bin/zcat && mkdir -p /srv/app && echo app > /srv/app/f")...)
	out := Must(t, append(g, "diff", name)...)
	for _, want := range []string{"A /added", "C /etc/passwd", "D /bin/zcat", "A /srv/app/f"} {
		if !strings.Contains(out+"\n", want+"\n") {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	var js struct{ Changed, Added, Deleted []string }
	if err := json.Unmarshal([]byte(Must(t, append(g, "diff", "--format", "json", name)...)), &js); err != nil {
		t.Fatalf("diff --format json: %v", err)
	}
	if len(js.Changed) == 0 || len(js.Added) == 0 || len(js.Deleted) != 1 || js.Deleted[0] != "/bin/zcat" {
		t.Fatalf("diff --format json = %+v", js)
	}
	iid := filepath.Join(t.TempDir(), "iid")
	id := Must(t, append(g, "commit", "-q", "--change", "ENV=T12_MODE=committed", "--change", "WORKDIR /srv/app",
		"-a", "t12 tester", "-m", "a commit", "--iidfile", iid, name, "localhost/t12-committed:1")...)
	if b, _ := os.ReadFile(iid); string(b) != "sha256:"+id {
		t.Fatalf("--iidfile holds %q, want sha256:%s", b, id)
	}
	got := Must(t, append(g, "run", "--rm", "localhost/t12-committed:1", "sh", "-c", "cat /added f; echo $T12_MODE; pwd; test -e /bin/zcat || echo gone")...)
	if got != "hello\napp\ncommitted\n/srv/app\ngone" {
		t.Fatalf("the committed image shows %q", got)
	}
	if a := Must(t, append(g, "image", "inspect", "--format", "{{.Author}}", "localhost/t12-committed:1")...); a != "t12 tester" {
		t.Fatalf("Author = %q", a)
	}
	// The image's diff is the committed layer.
	if out := Must(t, append(g, "diff", "localhost/t12-committed:1")...); !strings.Contains(out, "A /added") {
		t.Fatalf("diff of the committed image:\n%s", out)
	}
	// --squash: one layer holding everything.
	Must(t, append(g, "commit", "-q", "--squash", name, "localhost/t12-squashed:1")...)
	layers := Must(t, append(g, "image", "inspect", "--format", "{{len .RootFS.Layers}}", "localhost/t12-squashed:1")...)
	if layers != "1" {
		t.Fatalf("--squash image has %s layers, want 1", layers)
	}
	if got := Must(t, append(g, "run", "--rm", "localhost/t12-squashed:1", "cat", "/added")...); got != "hello" {
		t.Fatalf("squashed image: %q", got)
	}
	r := Expect(t, 125, []string{"nosuch"}, append(g, "commit", "nosuch-container-t12")...)
	oneLine(t, r)
	r = Expect(t, 125, []string{"--format", "oci or docker"}, append(g, "commit", "--format", "tar", name)...)
	oneLine(t, r)
}

// system df counts images, containers and volumes; system prune removes stopped containers and
// dangling images, -a every unused image; image prune -a likewise.
func TestSystemDFPrune(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Busybox)...)
	Must(t, append(g, "pull", "-q", Layers)...)
	name := Name(t)
	Must(t, append(g, "run", "--name", name, Busybox, "true")...)
	out := Must(t, append(g, "system", "df")...)
	lines := strings.Split(out, "\n")
	if len(lines) != 4 || !Matches(`^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$`, lines[0]) ||
		!Matches(`^Images\s+2\s+1\s+\S+\s+\S+ \(\d+%\)$`, lines[1]) ||
		!Matches(`^Containers\s+1\s+0\s+`, lines[2]) || !Matches(`^Local Volumes\s+0\s+0\s+0B\s+0B \(0%\)$`, lines[3]) {
		t.Fatalf("system df:\n%s", out)
	}
	if got := Must(t, append(g, "system", "df", "--format", "{{.Type}}={{.Total}}")...); got != "Images=2\nContainers=1\nLocal Volumes=0" {
		t.Fatalf("system df --format: %q", got)
	}
	v := Must(t, append(g, "system", "df", "-v")...)
	for _, want := range []string{"Images space usage:", "Containers space usage:", "Local Volumes space usage:", name} {
		if !strings.Contains(v, want) {
			t.Errorf("system df -v lacks %q:\n%s", want, v)
		}
	}
	r := Expect(t, 125, []string{"--force"}, append(g, "system", "prune")...)
	oneLine(t, r)
	out = Must(t, append(g, "system", "prune", "-f")...)
	if !strings.Contains(out, "Deleted Containers") || !strings.Contains(out, "Total reclaimed space:") {
		t.Fatalf("system prune -f:\n%s", out)
	}
	if ps := Must(t, append(g, "ps", "-aq")...); ps != "" {
		t.Fatalf("containers left after system prune: %s", ps)
	}
	if n := len(strings.Fields(Must(t, append(g, "images", "-q")...))); n != 2 {
		t.Fatalf("system prune without -a removed tagged images: %d left", n)
	}
	// image prune -a keeps images a container uses.
	Must(t, append(g, "create", "--name", name, Busybox)...)
	Must(t, append(g, "image", "prune", "-a", "-f")...)
	if out := Must(t, append(g, "images", "--format", "{{.Repository}}")...); out != Registry+"/busybox" {
		t.Fatalf("image prune -a left %q, want only the image in use", out)
	}
	Must(t, append(g, "rm", name)...)
	out = Must(t, append(g, "system", "prune", "-a", "-f", "--volumes")...)
	if !strings.Contains(out, "Deleted Images") {
		t.Fatalf("system prune -a:\n%s", out)
	}
	if out := Must(t, append(g, "images", "-q")...); out != "" {
		t.Fatalf("system prune -a left images: %s", out)
	}
}

// On a terminal, pull, push, save and load draw Podman's progress bars; a terminal nobody sized (width
// 0), where bars would show nothing, gets plain lines; -q prints nothing.
func TestProgressBars(t *testing.T) {
	g := Isolated(t)
	dir := t.TempDir()
	skiff := func(cols int, args ...string) string {
		t.Helper()
		cmdline := Binary + " " + strings.Join(append(append([]string{}, g...), args...), " ")
		out, err := exec.Command("script", "-qec", "stty cols "+strconv.Itoa(cols)+" rows 40; "+cmdline, "/dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("script %s: %v\n%s", cmdline, err, out)
		}
		return string(out)
	}
	// mpb's frames: short digests, a final "done" (or "skipped") per bar, redrawn with cursor-up escapes.
	// A copy from the local registry finishes before a frame shows a half-filled bar.
	bar := regexp.MustCompile(`Copying (blob [0-9a-f]{12}|config [0-9a-f]{10}) (done|skipped)`)
	done := regexp.MustCompile(`\x1b\[1A\x1b\[J`)
	archive := filepath.Join(dir, "a.tar")
	for _, args := range [][]string{
		{"pull", Busybox},
		{"push", Busybox, shipName(t) + ":1"},
		{"save", "-o", archive, Busybox},
		{"rmi", Busybox},
		{"load", "-i", archive},
	} {
		out := skiff(120, args...)
		if args[0] == "rmi" {
			continue
		}
		if !bar.MatchString(out) || !done.MatchString(out) {
			t.Errorf("%s on a terminal: no progress bar:\n%q", args[0], out)
		}
	}
	Must(t, append(g, "rmi", Busybox)...)
	out := skiff(0, "pull", Busybox)
	if !strings.Contains(out, "Copying blob sha256:") || bar.MatchString(out) || done.MatchString(out) {
		t.Errorf("pull on a zero-width terminal: want plain lines:\n%q", out)
	}
	Must(t, append(g, "rmi", Busybox)...)
	if out := skiff(120, "pull", "-q", Busybox); strings.Contains(out, "Copying") {
		t.Errorf("pull -q on a terminal printed progress:\n%q", out)
	}
}
