package unit

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the output")

// golden compares got with testdata/name.golden, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run go test -update after checking):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

const (
	webID = "1bfa252010a5d9376d3ea923624706e16da40ba15f7170c3552707f3ae72436f"
	exe   = "/usr/local/bin/skiff"
)

var stamp = time.Date(2026, 11, 22, 20, 37, 29, 0, time.UTC)

func web() Container {
	return Container{
		ID: webID, Name: "web",
		CreateCommand: []string{"skiff", "run", "-d", "--name", "web", "-p", "18082:80", "-e", "A=b c",
			"localhost:5000/busybox", "httpd", "-f", "-p", "80", "-h", "/var/www%x"},
		StopTimeout:    10,
		MonitorPIDFile: "/run/user/1000/containers/skiff/" + webID + "/monitor.pid",
		RunRoot:        "/run/user/1000/containers",
	}
}

func opts(mod func(*Options)) Options {
	o := Options{Executable: exe, Version: "1.0.0", UseName: true}
	if mod != nil {
		mod(&o)
	}
	return o
}

func uintp(u uint) *uint { return &u }

// containerCases are the container units the golden files and systemd-analyze check.
var containerCases = []struct {
	name string
	c    func() Container
	o    Options
}{
	{"new", web, opts(func(o *Options) { o.New = true; o.Time = stamp })},
	{"new-flags", web, opts(func(o *Options) {
		o.New = true
		o.NoHeader = true
		o.RestartPolicy = "always"
		o.RestartSec = 5
		o.StartTimeout = 30
		o.StopTimeout = uintp(3)
		o.Wants = []string{"a.service", "b.service"}
		o.After = []string{"c.service"}
		o.Requires = []string{"d.service"}
		o.Env = []string{"FOO=bar", "X=a b", "P=100%"}
		o.ContainerPrefix = "ctr"
		o.Separator = "_"
	})},
	{"new-restart-env", func() Container {
		c := web()
		c.CreateCommand = []string{"/usr/bin/skiff", "run", "--restart", "on-failure:3", "-e", "FOO", "--name=web",
			"--stop-timeout", "5", "busybox", "sleep", "1000"}
		c.Env = []string{"PATH=/bin", "FOO=from the host"}
		c.StopTimeout = 5
		return c
	}, opts(func(o *Options) { o.New = true; o.NoHeader = true })},
	{"new-create", func() Container {
		c := web()
		c.Name = "quiet_turing"
		c.CreateCommand = []string{"skiff", "--root", "/data/skiff", "--log-level=debug", "container", "create", "-it",
			"--rm", "--cidfile", "/tmp/cid", "--sdnotify=ignore", "--replace", "--detach=false", "--restart=no",
			"busybox", "sh", "-c", `echo "$HOME"; exit 0`, "-d", "--rm"}
		return c
	}, opts(func(o *Options) { o.New = true; o.NoHeader = true })},
	{"new-sdnotify-container", func() Container {
		c := web()
		c.CreateCommand = []string{"skiff", "run", "-dit", "--sdnotify", "container", "--name", "web", "-v",
			"/srv/my data:/data:ro", "-u=1000", "busybox"}
		return c
	}, opts(func(o *Options) { o.New = true; o.NoHeader = true })},
	{"new-id", web, opts(func(o *Options) { o.New = true; o.NoHeader = true; o.UseName = false })},
	{"new-no-rm-time", web, opts(func(o *Options) { o.New = true; o.NoHeader = true; o.NoRmTime = true })},
	{"new-template", web, opts(func(o *Options) { o.New = true; o.NoHeader = true; o.Template = true })},
	{"new-template-noname", func() Container {
		c := web()
		c.CreateCommand = []string{"skiff", "run", "busybox", "sleep", "1000"}
		return c
	}, opts(func(o *Options) { o.New = true; o.NoHeader = true; o.Template = true })},
	{"existing", web, opts(func(o *Options) { o.Time = stamp })},
	{"existing-id", web, opts(func(o *Options) {
		o.NoHeader = true
		o.UseName = false
		o.StopTimeout = uintp(20)
		o.RestartPolicy = "on-abnormal"
	})},
}

func TestContainerGolden(t *testing.T) {
	for _, tc := range containerCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ForContainer(tc.c(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "container-"+tc.name, "# file: "+f.FileName()+"\n"+f.Content)
		})
	}
}

func pod() Pod {
	m1 := web()
	m1.ID, m1.Name = "443ce73a43e1c3ac0c0b2eda84203d6489200165144724debef86453600b17df", "m1"
	m1.CreateCommand = []string{"skiff", "run", "-d", "--pod", "p", "--name", "m1", "busybox", "httpd", "-f", "-p", "80"}
	m1.MonitorPIDFile = "/run/user/1000/containers/skiff/m1/monitor.pid"
	m2 := web()
	m2.ID, m2.Name = "6532fb87c0f41c892ff06c98e4e2a6f60d2d5be82f0ae0576f63cac62d35aeff", "m2"
	m2.CreateCommand = []string{"skiff", "create", "--pod=new:p", "--name", "m2", "busybox", "sleep", "1000"}
	m2.MonitorPIDFile = "/run/user/1000/containers/skiff/m2/monitor.pid"
	return Pod{
		ID: "217b3d89babdfb101535dd9d9d124d9d8d88c2292b0a55240b6012d76468e3cb", Name: "p",
		CreateCommand:       []string{"skiff", "pod", "create", "--name", "p", "-p", "18083:80", "--replace"},
		InfraName:           "217b3d89babd-infra",
		InfraMonitorPIDFile: "/run/user/1000/containers/skiff/infra/monitor.pid",
		RunRoot:             "/run/user/1000/containers",
		Members:             []Container{m2, m1},
	}
}

var podCases = []struct {
	name string
	p    func() Pod
	o    Options
}{
	{"new", pod, opts(func(o *Options) { o.New = true; o.Time = stamp })},
	{"new-noname", func() Pod {
		p := pod()
		p.CreateCommand = []string{"skiff", "--root", "/data", "pod", "create", "-p", "18083:80"}
		p.Members = p.Members[:1]
		return p
	}, opts(func(o *Options) { o.New = true; o.NoHeader = true; o.PodPrefix = "pd"; o.StopTimeout = uintp(2) })},
	{"existing", pod, opts(func(o *Options) { o.NoHeader = true })},
}

func TestPodGolden(t *testing.T) {
	for _, tc := range podCases {
		t.Run(tc.name, func(t *testing.T) {
			files, err := ForPod(tc.p(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, f := range files {
				b.WriteString("# file: " + f.FileName() + "\n" + f.Content)
			}
			golden(t, "pod-"+tc.name, b.String())
		})
	}
}

func TestJSON(t *testing.T) {
	files, err := ForPod(pod(), opts(func(o *Options) { o.New = true; o.NoHeader = true }))
	if err != nil {
		t.Fatal(err)
	}
	b, err := JSON(files, func(f File) string { return f.Content })
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "pod-json", string(b))
	b, err = JSON(files, func(f File) string { return "/home/u/" + f.FileName() })
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "pod-json-files", string(b))
}

func TestErrors(t *testing.T) {
	noCmd := web()
	noCmd.CreateCommand = nil
	badRestart := web()
	badRestart.CreateCommand = []string{"skiff", "run", "--restart=sometimes", "busybox"}
	notRun := web()
	notRun.CreateCommand = []string{"skiff", "exec", "web", "true"}
	for _, tc := range []struct {
		name string
		c    Container
		o    Options
		want string
	}{
		{"no create command", noCmd, opts(func(o *Options) { o.New = true }), "container web: no create command recorded: --new only works for containers and pods created with skiff's command line"},
		{"bad restart in command", badRestart, opts(func(o *Options) { o.New = true }), `container web: invalid restart policy "sometimes": want no, on-failure[:N], always or unless-stopped`},
		{"not a run command", notRun, opts(func(o *Options) { o.New = true }), `container web: recorded command "skiff exec web true" is not a run or create or container run or container create command`},
		{"bad restart policy", web(), opts(func(o *Options) { o.RestartPolicy = "sometimes" }), `"sometimes" is not a valid restart policy: want one of no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always`},
		{"template without new", web(), opts(func(o *Options) { o.Template = true }), "--template needs --new"},
		{"no executable", web(), Options{}, "generate systemd: the path of the skiff executable is unknown"},
	} {
		_, err := ForContainer(tc.c, tc.o)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v\nwant %s", tc.name, err, tc.want)
		}
	}
	if _, err := ForContainer(noCmd, opts(func(o *Options) { o.New = true })); !errors.Is(err, ErrNoCreateCommand) {
		t.Errorf("no create command: %v is not ErrNoCreateCommand", err)
	}
	noInfra := pod()
	noInfra.InfraName = ""
	if _, err := ForPod(noInfra, opts(nil)); err == nil || !strings.Contains(err.Error(), "has no infra container") {
		t.Errorf("pod without infra: %v", err)
	}
}

// TestSystemdAnalyzeVerify has systemd check every generated unit, with /bin/true as the skiff binary
// (verify wants the binaries to exist).
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	dir := t.TempDir()
	var paths []string
	write := func(f File) {
		p := filepath.Join(dir, f.FileName())
		if err := os.WriteFile(p, []byte(f.Content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// The units the user-defined dependencies name.
	for _, n := range []string{"a", "b", "c", "d"} {
		write(File{Name: n, Content: "[Service]\nType=oneshot\nExecStart=/bin/true\n"})
	}
	for _, tc := range containerCases {
		o := tc.o
		o.Executable = "/bin/true"
		f, err := ForContainer(tc.c(), o)
		if err != nil {
			t.Fatal(err)
		}
		f.Name = tc.name + "-" + f.Name
		write(f)
	}
	for _, tc := range podCases {
		o := tc.o
		o.Executable = "/bin/true"
		files, err := ForPod(tc.p(), o)
		if err != nil {
			t.Fatal(err)
		}
		// Rename the units per case, and the dependencies between them with them.
		var pairs []string
		for _, f := range files {
			pairs = append(pairs, f.FileName(), tc.name+"-"+f.FileName())
		}
		r := strings.NewReplacer(pairs...)
		for _, f := range files {
			write(File{Name: tc.name + "-" + f.Name, Content: r.Replace(f.Content)})
		}
	}
	verify(t, analyze, dir, paths)
}

func verify(t *testing.T, analyze, dir string, paths []string) {
	t.Helper()
	cmd := exec.Command(analyze, append([]string{"--user", "--man=no", "verify"}, paths...)...)
	// As root, --user needs a runtime directory.
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "SYSTEMD_LOG_LEVEL=notice")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || out.Len() > 0 {
		t.Errorf("systemd-analyze --user verify: %v\n%s", err, out.String())
	}
}
