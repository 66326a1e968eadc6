package quadlet

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the output")

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

// quadletDir is where the test files pretend to live, so that the output does not depend on the checkout.
const quadletDir = "/home/u/.config/containers/systemd"

// loadCase parses the files of testdata/name as if they were in quadletDir.
func loadCase(t *testing.T, name string) []*File {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var files []*File
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", name, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(filepath.Join(quadletDir, e.Name()), data)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func render(units []Unit) string {
	var b strings.Builder
	for _, u := range units {
		b.WriteString("---" + u.Name + "---\n" + u.Content)
		if len(u.WantedBy)+len(u.RequiredBy)+len(u.UpheldBy)+len(u.Alias) > 0 || u.DefaultInstance != "" {
			b.WriteString("# install: wanted-by=" + strings.Join(u.WantedBy, ",") + " default-instance=" + u.DefaultInstance + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

var testOptions = Options{Executable: "/usr/local/bin/skiff", Generator: "/usr/local/lib/systemd/user-generators/skiff-user-generator"}

var cases = []string{"basic", "pod", "misc", "resources"}

func TestTranslateGolden(t *testing.T) {
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			units, err := Translate(loadCase(t, name), testOptions)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, render(units))
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"web.container", "[Unit]\nDescription=x\n\n[Container]\nImage=busybox\nExec=true\nImagee=busybox\n",
			`web.container:7: unknown key "Imagee" in [Container] (did you mean Image?)`},
		{"web.container", "[Container]\nimage=busybox\n", `web.container:2: unknown key "image" in [Container] (did you mean Image?)`},
		{"web.container", "[Container]\nImage=busybox\nFrobnicate=yes\n", `web.container:3: unknown key "Frobnicate" in [Container]`},
		{"web.container", "[Unit]\nDescription=x\n\n[Container]\nExec=true\n", `web.container:4: [Container] has no Image=`},
		{"web.container", "[Unit]\nDescription=x\n", `web.container: no [Container] section`},
		{"web.container", "[Container\nImage=busybox\n", `web.container:1: bad section header "[Container": want [NAME]`},
		{"web.container", "[Contaner]\nImage=busybox\n", `web.container:1: unknown section [Contaner] in a .container file (want [Container], [Unit], [Service], [Install], [Quadlet] or [X-…])`},
		{"web.container", "[Pod]\nPodName=x\n", `web.container:1: unknown section [Pod] in a .container file (want [Container], [Unit], [Service], [Install], [Quadlet] or [X-…])`},
		{"web.container", "Image=busybox\n[Container]\n", `web.container:1: Image= is outside of any section`},
		{"web.container", "[Container]\nImage busybox\n", `web.container:2: expected KEY=VALUE or [SECTION], got "Image busybox"`},
		{"web.container", "[Container]\nImage=busybox\nHealthCmd=true\n", "web.container:3: key \"HealthCmd\" in [Container] is not supported by skiff (hint: SkiffArgs= passes flags of `skiff run` through)"},
		{"web.container", "[Container]\nImage=busybox\nGroup=100\n", `web.container:3: Group= needs User=`},
		{"web.container", "[Container]\nImage=busybox\n[Service]\nKillMode=process\n", `web.container:4: KillMode=process: want mixed or control-group`},
		{"web.container", "[Container]\nImage=busybox\n[Service]\nType=simple\n", `web.container:4: Type=simple: want notify or oneshot`},
		{"web.container", "[Container]\nImage=busybox\nPod=missing.pod\n", `web.container:3: Pod=missing.pod: no Quadlet file missing.pod`},
		{"web.container", "[Container]\nImage=busybox\nPod=mypod\n", `web.container:3: Pod=mypod: name a .pod Quadlet file`},
		{"web.container", "[Container]\nImage=busybox\nVolume=gone.volume:/x\n", `web.container:3: gone.volume: no Quadlet file gone.volume`},
		{"web.container", "[Container]\nImage=busybox\nNetwork=gone.network\n", `web.container:3: Network=gone.network: no Quadlet file gone.network`},
		{"web.container", "[Unit]\nAfter=gone.container\n[Container]\nImage=busybox\n", `web.container:2: After=gone.container: no Quadlet file gone.container`},
		{"web.container", "[Container]\nImage=busybox\nReadOnly=maybe\n", `web.container:3: ReadOnly=maybe: want a boolean (yes or no)`},
		{"web.container", "[Container]\nImage=busybox\nExec=sh -c 'echo\n", `web.container:3: Exec=: unterminated quote`},
		{"web.container", "[Container]\nImage=busybox\nNotify=healthy\n", `web.container:3: Notify=healthy is not supported by skiff: it has no health checks`},
		{"web.container", "[Container]\nImage=busybox\nReloadCmd=true\nReloadSignal=HUP\n", `web.container:4: ReloadCmd= and ReloadSignal= exclude each other`},
		{"web.container", "[Container]\nImage=busybox\nEnvironment==x\n", `web.container:3: Environment=: "=x" has no name before =`},
		{"p.pod", "[Pod]\nExitPolicy=continue\n", "p.pod:2: key \"ExitPolicy\" in [Pod] is not supported by skiff (hint: SkiffArgs= passes flags of `skiff pod create` through)"},
		{"v.volume", "[Volume]\nType=tmpfs\n", `v.volume:2: Type= needs Device=`},
		{"v.volume", "[Volume]\nUser=alice\n", `v.volume:2: User=alice: want a numeric ID`},
		{"n.network", "[Network]\nGateway=10.0.0.1\n", `n.network:2: Gateway= without a Subnet= of its own`},
		{"n.network", "[Network]\nIPv6=true\n", "n.network:2: key \"IPv6\" in [Network] is not supported by skiff (hint: SkiffArgs= passes flags of `skiff network create` through)"},
		{"w.kube", "[Kube]\nYaml=x.yaml\n", `w.kube: not a Quadlet file skiff translates (want .container, .pod, .volume or .network)`},
	} {
		f, err := Parse(tc.name, []byte(tc.text))
		if err == nil {
			_, err = Translate([]*File{f}, testOptions)
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.text, err, tc.want)
		}
	}
}

// TestPortInPodMember checks that a member of a pod cannot publish ports of its own.
func TestPortInPodMember(t *testing.T) {
	pod, _ := Parse("p.pod", []byte("[Pod]\n"))
	ctr, _ := Parse("c.container", []byte("[Container]\nImage=busybox\nPod=p.pod\nPublishPort=80:80\n"))
	units, err := Translate([]*File{pod, ctr}, testOptions)
	want := "c.container:4: PublishPort= in a container of pod p.pod: the pod owns the ports (hint: move it to p.pod)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	// The pod itself is still translated.
	if len(units) != 1 || units[0].Name != "p-pod.service" {
		t.Errorf("units: %+v", units)
	}
}

func TestParseContinuationAndComments(t *testing.T) {
	f, err := Parse("x.container", []byte("# comment\n; other\n[Container]\nExec=a \\\n# inside\n  b \\\n  c\nImage = img \n[Container]\nLabel=x=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Get("Container", "Exec"); got != "a  b  c" {
		t.Errorf("Exec = %q", got)
	}
	if got := f.Get("Container", "Image"); got != "img" {
		t.Errorf("Image = %q", got)
	}
	if len(f.Sections) != 1 || len(f.Sections[0].Entries) != 3 {
		t.Errorf("sections: %+v", f.Sections)
	}
	e, _ := f.Last("Container", "Label")
	if e.Pos.Line != 10 {
		t.Errorf("Label at line %d, want 10", e.Pos.Line)
	}
}

func TestEmptyValueResetsList(t *testing.T) {
	f, _ := Parse("x.container", []byte("[Container]\nVolume=/a\nVolume=\nVolume=/b\n"))
	if got := values(f, "Container", "Volume"); !reflect.DeepEqual(got, []string{"/b"}) {
		t.Errorf("Volume = %q", got)
	}
}

func TestDirs(t *testing.T) {
	env := func(vars map[string]string) Env {
		return Env{Getenv: func(k string) string { return vars[k] }, UID: 1000, Home: "/home/u"}
	}
	got := Dirs(env(map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}))
	want := []string{
		"/run/user/1000/containers/systemd",
		"/home/u/.config/skiff/systemd",
		"/home/u/.config/containers/systemd",
		"/etc/containers/systemd/users/1000",
		"/etc/containers/systemd/users",
		"/usr/share/containers/systemd/users",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Dirs = %q\nwant %q", got, want)
	}
	got = Dirs(env(map[string]string{"XDG_CONFIG_HOME": "/cfg"}))
	if got[0] != "/cfg/skiff/systemd" || got[1] != "/cfg/containers/systemd" {
		t.Errorf("with XDG_CONFIG_HOME: %q", got)
	}
	got = Dirs(env(map[string]string{"QUADLET_UNIT_DIRS": "/a:relative:/b/"}))
	if !reflect.DeepEqual(got, []string{"/a", "/b"}) {
		t.Errorf("QUADLET_UNIT_DIRS: %q", got)
	}
	if d, _ := InstallDir(env(nil)); d != "/home/u/.config/skiff/systemd" {
		t.Errorf("InstallDir = %q", d)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindPrecedenceAndDropIns(t *testing.T) {
	root := t.TempDir()
	high, low := filepath.Join(root, "high"), filepath.Join(root, "low")
	write(t, filepath.Join(high, "web.container"), "[Container]\nImage=high\n")
	write(t, filepath.Join(low, "web.container"), "[Container]\nImage=low\n")
	write(t, filepath.Join(low, "sub", "db.container"), "[Container]\nImage=db\n")
	write(t, filepath.Join(low, "notes.txt"), "not a Quadlet file")
	write(t, filepath.Join(low, "web.container.d", "ignored.container"), "[Container]\nImage=no\n")
	// Drop-ins: the one in the higher directory wins by name; they apply in name order, type-wide first.
	write(t, filepath.Join(low, "web.container.d", "10-env.conf"), "[Container]\nEnvironment=FROM=low\n")
	write(t, filepath.Join(high, "web.container.d", "10-env.conf"), "[Container]\nEnvironment=FROM=high\n")
	write(t, filepath.Join(low, "web.container.d", "20-port.conf"), "[Container]\nPublishPort=8080:80\n")
	write(t, filepath.Join(low, "container.d", "00-all.conf"), "[Container]\nLabel=all=1\n")
	dirs := []string{high, low, filepath.Join(root, "missing")}
	paths, err := Find(dirs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(low, "sub", "db.container"), filepath.Join(high, "web.container")}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("Find = %q\nwant %q", paths, want)
	}
	files, err := Load(paths, dirs)
	if err != nil {
		t.Fatal(err)
	}
	web := files[1]
	if got := web.Get("Container", "Image"); got != "high" {
		t.Errorf("Image = %q", got)
	}
	if got := values(web, "Container", "Environment"); !reflect.DeepEqual(got, []string{"FROM=high"}) {
		t.Errorf("Environment = %q", got)
	}
	if got := web.Get("Container", "PublishPort"); got != "8080:80" {
		t.Errorf("PublishPort = %q", got)
	}
	if got := web.Get("Container", "Label"); got != "all=1" {
		t.Errorf("Label = %q", got)
	}
	// An error in a drop-in names the drop-in.
	write(t, filepath.Join(low, "web.container.d", "30-bad.conf"), "[Container]\nbogus line\n")
	_, err = Load(paths, dirs)
	if want := filepath.Join(low, "web.container.d", "30-bad.conf") + `:2: expected KEY=VALUE or [SECTION], got "bogus line"`; err == nil || err.Error() != want {
		t.Errorf("bad drop-in: %v\nwant %s", err, want)
	}
}

func TestWrite(t *testing.T) {
	units, err := Translate(loadCase(t, "misc"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	basic, err := Translate(loadCase(t, "basic"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, append(units, basic...)); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if info.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			rel += " -> " + target
		}
		got = append(got, rel)
		return nil
	})
	sort.Strings(got)
	want := []string{
		"cache-volume.service", "data-volume.service", "db.service",
		"default.target.wants/web.service -> ../web.service",
		"default.target.wants/worker@60.service -> ../worker@.service",
		"job.service",
		"multi-user.target.wants/web.service -> ../web.service",
		"net-network.service", "web.service", "worker@.service",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSystemdAnalyzeVerify has systemd check the units of every case, with /bin/true as skiff.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	o := testOptions
	o.Executable = "/bin/true"
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			units, err := Translate(loadCase(t, name), o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := Write(dir, units); err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, u := range units {
				p := filepath.Join(dir, u.Name)
				if strings.HasSuffix(u.Name, "@.service") {
					// Templates are checked through an instance.
					inst := strings.TrimSuffix(u.Name, "@.service") + "@60.service"
					if err := os.Symlink(u.Name, filepath.Join(dir, inst)); err != nil {
						t.Fatal(err)
					}
					p = filepath.Join(dir, inst)
				}
				paths = append(paths, p)
			}
			cmd := exec.Command(analyze, append([]string{"--user", "--man=no", "verify"}, paths...)...)
			cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "SYSTEMD_LOG_LEVEL=notice")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil || out.Len() > 0 {
				t.Errorf("systemd-analyze --user verify: %v\n%s", err, out.String())
			}
		})
	}
}
