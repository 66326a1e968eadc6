package e2e

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 16: Podman's command-line grammar, help and output details, as a user meets them.

// TestGrammarMixedForms: the short and the long form of every repeatable flag of run and create mix,
// with --flag=value and --flag value, combined short options and a boolean set to false.
func TestGrammarMixedForms(t *testing.T) {
	dir := t.TempDir()
	out := Must(t, "run", "--rm", "-v", dir+":/a", "--volume", dir+":/b", "--volume="+dir+":/c",
		"-e", "A=1", "--env", "B=2", "--env=C=3", "-eD=4",
		"-l", "x=1", "--label", "y=2", "--tmpfs", "/t1", "--tmpfs=/t2",
		"--cap-add", "NET_RAW", "--cap-add=SYS_TIME", "--add-host", "h1:10.1.1.1", "--add-host=h2:10.1.1.2",
		"--dns-search", "a.test", "--dns-search=b.test",
		"--tty=false", "-i=false", Busybox,
		"sh", "-c", `echo $A$B$C$D; ls -d /a /b /c /t1 /t2; grep -c '^10.1.1' /etc/hosts; grep search /etc/resolv.conf`)
	for _, want := range []string{"1234", "/a", "/b", "/c", "/t1", "/t2", "\n2\n", "a.test b.test"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	name := Name(t)
	rmContainer(t, name)
	Must(t, "create", "--name", name, "-l", "x=1", "--label=y=2", "-e", "A=1", "--env", "B=2", Busybox, "true")
	if got := Must(t, "inspect", "--format", "{{.Config.Labels.x}}{{.Config.Labels.y}}", name); got != "12" {
		t.Errorf("labels: %q, want 12", got)
	}
	// Flags after the arguments, -- ending the options, a global flag after the verb, aliases.
	Must(t, "container", "rm", name, "--log-level", "error", "--force", "--")
	if r := Run(t, "container", "exists", name); r.Code != 1 {
		t.Errorf("container still exists:\n%s", r)
	}
	Must(t, "container", "ls", "--all", "--quiet")
	Must(t, "image", "ls", "--noheading")
	Must(t, "ps", "--all", "--no-trunc")
}

// TestGrammarWarningsAfterValue: a warning goes to stderr only, and after the value a script captures,
// so `id=$(skiff run -d …)` works and so does reading both streams at once.
func TestGrammarWarningsAfterValue(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	sh := exec.Command("sh", "-c", Binary+` run -d --name `+name+` --network host -p 8089:80 `+Busybox+` sleep 30 2>&1`)
	b, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("run -d: %v\n%s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 || !Matches(`^[0-9a-f]{64}$`, lines[0]) || !strings.Contains(lines[1], "WARN") {
		t.Fatalf("want the ID on the first line and the warning after it, got:\n%s", b)
	}
	r := Run(t, "run", "-d", "--replace", "--name", name, "--network", "host", "-p", "8089:80", Busybox, "sleep", "30")
	if !Matches(`^[0-9a-f]{64}\n$`, r.Stdout) || !strings.Contains(r.Stderr, "port mappings have been discarded") {
		t.Fatalf("stdout must hold only the ID, stderr the warning:\n%s", r)
	}
}

// TestHelpColumns: help is wrapped to $COLUMNS, shows an example, and `skiff help VERB` is `VERB --help`.
func TestHelpColumns(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"--help"}, {"network", "create", "-h"}, {"pod", "--help"}} {
		r := RunIn(t, []string{"COLUMNS=100"}, "", args...)
		if r.Code != 0 {
			t.Fatalf("%s", r)
		}
		for _, line := range strings.Split(r.Stdout, "\n") {
			if n := utf8.RuneCountInString(line); n > 100 {
				t.Errorf("skiff %s: line of %d columns: %q", strings.Join(args, " "), n, line)
			}
		}
	}
	run := RunIn(t, []string{"COLUMNS=100"}, "", "run", "--help").Stdout
	if !strings.Contains(run, "\nExamples:\n  skiff run ") || !Matches(`(?m)^  -v, --volume `, run) || !Matches(`(?m)^  -h, --hostname NAME +\S`, run) {
		t.Errorf("run --help lacks an example or its option lines:\n%s", run)
	}
	if help := RunIn(t, []string{"COLUMNS=100"}, "", "help", "run").Stdout; help != run {
		t.Errorf("skiff help run differs from skiff run --help:\n%s", help)
	}
	Expect(t, 125, []string{`unknown help topic "nosuch"`}, "help", "nosuch")
}

// TestCompletionBash: the bash completion script, in an interactive bash, completes `skiff rm <TAB>` to
// the user's container names, `skiff network <TAB>` to the network verbs and `--pod <TAB>` to pods.
func TestCompletionBash(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "create", "--name", name, Busybox, "true")
	pod := Name(t) + "-pod"
	rmPod(t, pod)
	Must(t, "pod", "create", "--name", pod)
	complete := func(line ...string) []string {
		t.Helper()
		words := `"` + strings.Join(line, `" "`) + `"`
		script := `source <(skiff completion bash) || exit 9
complete -p skiff >/dev/null || exit 8
COMP_WORDS=(skiff ` + words + `); COMP_CWORD=${#COMP_WORDS[@]}; COMP_CWORD=$((COMP_CWORD-1))
_skiff; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", "-i", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(Binary)+":"+os.Getenv("PATH"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash -i: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	if got := complete("rm", name[:len(name)-2]); !slices.Equal(got, []string{name}) {
		t.Errorf("skiff rm %s<TAB>: %q, want %q", name[:len(name)-2], got, name)
	}
	if got := complete("rm", ""); !slices.Contains(got, name) {
		t.Errorf("skiff rm <TAB>: %q lacks %q", got, name)
	}
	if got := complete("network", "cr"); !slices.Equal(got, []string{"create"}) {
		t.Errorf("skiff network cr<TAB>: %q", got)
	}
	if got := complete("run", "--pod", pod[:len(pod)-2]); !slices.Equal(got, []string{pod}) {
		t.Errorf("skiff run --pod <TAB>: %q, want %q", got, pod)
	}
	if got := complete("ps", "--no-t"); !slices.Equal(got, []string{"--no-trunc"}) {
		t.Errorf("skiff ps --no-t<TAB>: %q", got)
	}
	for _, shell := range []string{"zsh", "fish"} {
		if out := Must(t, "completion", shell); !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: %s", shell, out)
		}
	}
	Expect(t, 125, []string{"bash, zsh or fish"}, "completion", "tcsh")
}

// TestFlagsScripts: flags that scripts use: --noout, --cgroup-manager, stop --timeout, rm -t, wait
// --condition, ps --sort --pod, images --sort.
func TestFlagsScripts(t *testing.T) {
	base := Name(t)
	a, b := base+"-b", base+"-a"
	rmContainer(t, a)
	rmContainer(t, b)
	if r := Run(t, "--noout", "run", "-d", "--name", a, Busybox, "sleep", "1000"); r.Code != 0 || r.Stdout != "" {
		t.Fatalf("--noout run -d: want no output\n%s", r)
	}
	Expect(t, 125, []string{"--cgroup-manager", "want cgroupfs or systemd"}, "--cgroup-manager", "bogus", "create", Busybox, "true")
	Must(t, "--cgroup-manager=cgroupfs", "create", "--name", b, Busybox, "sleep", "1000")
	if got := Must(t, "wait", "--condition", "running", "--condition=exited", a); got != "-1" {
		t.Errorf("wait --condition running: %q, want -1", got)
	}
	Expect(t, 125, []string{"health"}, "wait", "--condition", "healthy", a)
	if got := Must(t, "ps", "-a", "--sort", "names", "--filter", "name="+base, "--format", "{{.Names}}"); got != b+"\n"+a {
		t.Errorf("ps --sort names: %q", got)
	}
	Expect(t, 125, []string{"--sort", "names"}, "ps", "--sort", "bogus")
	if out := Must(t, "ps", "--pod", "--filter", "name="+a); !Matches(`(?m)^CONTAINER ID .* NAMES +POD ID +PODNAME$`, out) {
		t.Errorf("ps --pod: no POD ID and PODNAME columns:\n%s", out)
	}
	Must(t, "images", "--sort", "repository", "--noheading")
	Must(t, "stop", "--timeout", "1", a)
	if got := Must(t, "wait", "--condition", "stopped", a); got != "137" && got != "143" {
		t.Errorf("wait --condition stopped: %q", got)
	}
	Expect(t, 125, []string{"--time needs --force"}, "rm", "-t", "1", b)
	Must(t, "start", b)
	Must(t, "rm", "-f", "-t", "0", b)
	if r := Run(t, "container", "exists", b); r.Code != 1 {
		t.Errorf("rm -f -t 0 left the container:\n%s", r)
	}
	if out := Must(t, "images", "--history", "--filter", "reference="+Busybox); !Matches(`(?m)^REPOSITORY .* SIZE +HISTORY$`, out) {
		t.Errorf("images --history: no HISTORY column:\n%s", out)
	}

	// cp --overwrite: a file from a tar stream replaces a directory only with it.
	c := base + "-c"
	rmContainer(t, c)
	Must(t, "create", "--name", c, Busybox, "true")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "d", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	Must(t, "cp", filepath.Join(dir, "d"), c+":/tmp/")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "d", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("f\n"))
	_ = tw.Close()
	if r := RunIn(t, nil, buf.String(), "cp", "-", c+":/tmp"); r.Code == 0 {
		t.Errorf("cp without --overwrite replaced a directory with a file")
	}
	if r := RunIn(t, nil, buf.String(), "cp", "--overwrite", "-", c+":/tmp"); r.Code != 0 {
		t.Fatalf("cp --overwrite:\n%s", r)
	}
	out := filepath.Join(dir, "out")
	Must(t, "cp", c+":/tmp/d", out)
	if b, err := os.ReadFile(out); err != nil || string(b) != "f\n" {
		t.Errorf("cp --overwrite: /tmp/d is not the file: %q %v", b, err)
	}

	// rm --filter removes the matching containers only.
	Must(t, "rm", "--filter", "name=^"+c+"$")
	if r := Run(t, "container", "exists", c); r.Code != 1 {
		t.Errorf("rm --filter left %s", c)
	}
	Must(t, "container", "exists", a)
}

// TestNetworkDefaultBridge: --network bridge and --network podman select the user's default bridge
// network "podman", made on first use on Podman's subnet; network ls shows it; containers on it reach
// each other.
func TestNetworkDefaultBridge(t *testing.T) {
	s := NewSandbox(t)
	if out := s.Must(t, "network", "ls", "--format", "{{.Name}}"); out != "" {
		t.Fatalf("a new sandbox has networks: %q", out)
	}
	name := Name(t)
	s.Must(t, "run", "-d", "--name", name, "--network", "bridge", Busybox, "httpd", "-f", "-p", "80", "-h", "/etc")
	t.Cleanup(func() { s.Run(t, "rm", "-f", name) })
	if out := s.Must(t, "network", "ls", "--format", "{{.Name}} {{.Driver}}"); out != "podman bridge" {
		t.Errorf("network ls: %q, want the podman network", out)
	}
	if out := s.Must(t, "network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}", "podman"); out != "10.88.0.0/16" {
		t.Errorf("podman network subnet: %q", out)
	}
	ip := s.Must(t, "inspect", "--format", `{{(index .NetworkSettings.Networks "podman").IPAddress}}`, name)
	if !Matches(`^10\.88\.\d+\.\d+$`, ip) {
		t.Errorf("address on the podman network: %q", ip)
	}
	if out := s.Must(t, "run", "--rm", "--network", "podman", Busybox, "wget", "-qO-", "http://"+ip+"/hostname"); out == "" {
		t.Error("wget from a second container on --network podman: empty")
	}
}

// TestVolumeExportImport: volume export writes a volume's content as tar, volume import unpacks one
// (a file or stdin) into another volume with owners kept; volume mount prints where the content is.
func TestVolumeExportImport(t *testing.T) {
	src, dst := Name(t)+"-src", Name(t)+"-dst"
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", src, dst) })
	Must(t, "volume", "create", src)
	Must(t, "volume", "create", dst)
	Must(t, "run", "--rm", "-v", src+":/v", Busybox, "sh", "-c", "echo hi > /v/f && mkdir /v/d && chown 1000:1000 /v/d")
	tar := filepath.Join(t.TempDir(), "v.tar")
	Must(t, "volume", "export", "-o", tar, src)
	if fi, err := os.Stat(tar); err != nil || fi.Size() == 0 {
		t.Fatalf("volume export -o: %v", err)
	}
	b, err := os.ReadFile(tar)
	if err != nil {
		t.Fatal(err)
	}
	if r := RunIn(t, nil, string(b), "volume", "import", dst, "-"); r.Code != 0 {
		t.Fatalf("%s", r)
	}
	if out := Must(t, "run", "--rm", "-v", dst+":/v", Busybox, "sh", "-c", "cat /v/f; stat -c %u:%g /v/d"); out != "hi\n1000:1000" {
		t.Errorf("imported volume: %q, want hi and 1000:1000", out)
	}
	if p := Must(t, "volume", "mount", dst); !strings.HasSuffix(p, "/volumes/"+dst+"/_data") {
		t.Errorf("volume mount: %q", p)
	}
	Must(t, "volume", "unmount", dst)
	Expect(t, 125, []string{"no such volume"}, "volume", "export", "-o", tar, Name(t)+"-none")
	tmpfs := Name(t) + "-tmpfs"
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", tmpfs) })
	Must(t, "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", tmpfs)
	Expect(t, 125, []string{"type/device"}, "volume", "export", "-o", tar, tmpfs)
}

// TestGrammarLatest: -l/--latest stands for the most recently created container in every verb that
// takes one; it cannot be combined with names where every argument is a container.
func TestGrammarLatest(t *testing.T) {
	name := Name(t)
	rmContainer(t, name)
	Must(t, "create", "--name", name, Busybox, "sh", "-c", "echo out")
	if got := Must(t, "container", "inspect", "-l", "--format", "{{.Name}}"); got != name {
		t.Errorf("container inspect -l: %q, want %s", got, name)
	}
	Must(t, "start", "--latest")
	if got := Must(t, "wait", "-l"); got != "0" {
		t.Errorf("wait -l: %q", got)
	}
	if got := Must(t, "logs", "-l"); got != "out" {
		t.Errorf("logs -l: %q", got)
	}
	Expect(t, 125, []string{"--latest and container names cannot be combined"}, "rm", "-l", name)
	Must(t, "rm", "-l")
	if r := Run(t, "container", "exists", name); r.Code != 1 {
		t.Errorf("rm -l left %s", name)
	}
}

// TestPodExitPolicy: pod create --exit-policy stop stops the pod when its last container exits;
// continue (the default) keeps the infra container running.
func TestPodExitPolicy(t *testing.T) {
	stop, cont := Name(t)+"-stop", Name(t)+"-cont"
	rmPod(t, stop)
	rmPod(t, cont)
	Must(t, "pod", "create", "--name", stop, "--exit-policy", "stop")
	Must(t, "pod", "create", "--name", cont)
	if got := Must(t, "pod", "inspect", "--format", "{{.ExitPolicy}}", stop); got != "stop" {
		t.Errorf("pod inspect ExitPolicy: %q", got)
	}
	for _, p := range []string{stop, cont} {
		Must(t, "run", "-d", "--pod", p, Busybox, "sleep", "1")
	}
	waitFor(t, "the stop pod to exit", func() bool {
		return Must(t, "pod", "inspect", "--format", "{{.State}}", stop) == "Exited"
	})
	if got := Must(t, "pod", "inspect", "--format", "{{.State}}", cont); got == "Exited" {
		t.Errorf("pod with exit policy continue: %s", got)
	}
	Expect(t, 125, []string{"--exit-policy", "continue or stop"}, "pod", "create", "--exit-policy", "halt")
}

// TestRmDepend: rm --depend removes the containers that use a container's network namespace first,
// then the container.
func TestRmDepend(t *testing.T) {
	a, b := Name(t)+"-a", Name(t)+"-b"
	rmContainer(t, b)
	rmContainer(t, a)
	Must(t, "run", "-d", "--name", a, Busybox, "sleep", "1000")
	bid := Must(t, "run", "-d", "--name", b, "--network", "container:"+a, Busybox, "sleep", "1000")
	out := Must(t, "rm", "-f", "-t", "0", "--depend", a)
	lines := strings.Split(out, "\n")
	if len(lines) != 2 || lines[0] != bid {
		t.Errorf("rm --depend: %q, want %s first, then %s", out, bid, a)
	}
	for _, n := range []string{a, b} {
		if r := Run(t, "container", "exists", n); r.Code != 1 {
			t.Errorf("rm --depend left %s", n)
		}
	}
}
