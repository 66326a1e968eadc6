package e2e

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

var (
	tmplID   = regexp.MustCompile(`\b([0-9a-f]{64}|[0-9a-f]{12})\b`)
	tmplTime = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?[+-]\d\d:?\d\d)?( [A-Z]+)?Z?`)
	tmplAge  = regexp.MustCompile(`(Less than a second|About a minute|About an hour|\d+ (second|minute|hour)s?)( ago)?`)
)

// normalizeTemplate hides what differs between two engines for the same objects: IDs, times and ages.
func normalizeTemplate(s string) string {
	s = tmplID.ReplaceAllString(s, "<ID>")
	s = tmplTime.ReplaceAllString(s, "<TIME>")
	return tmplAge.ReplaceAllString(strings.TrimSpace(s), "<AGE>")
}

// TestTemplatePodmanDocs: Go templates from Podman's documentation (podman-inspect, -ps, -images, -info,
// -version, -pod-ps, -pod-inspect, -volume-*, -network-*, -history, -image-inspect and the list)
// run unchanged against skiff; where the value does not depend on the engine's own paths, it is the one
// podman 4 gives for the same objects.
func TestTemplatePodmanDocs(t *testing.T) {
	pm := newPodman(t)
	pm.must(t, "pull", "-q", "--tls-verify=false", Busybox)
	ctr, pod, vol, net := Name(t), Name(t)+"-pod", Name(t)+"-vol", Name(t)+"-net"
	rmContainer(t, ctr)
	rmPod(t, pod)
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", vol); Run(t, "network", "rm", "-f", net) })
	for _, args := range [][]string{
		{"run", "-d", "--name", ctr, "-l", "app=web", "-e", "FOO=bar", "-w", "/tmp", "--restart", "on-failure:3",
			"--stop-signal", "SIGINT", "-h", "box", Busybox, "sleep", "1000"},
		{"pod", "create", "--name", pod, "--label", "tier=front"},
		{"volume", "create", "--label", "k=v", vol},
	} {
		Must(t, args...)
		pm.must(t, args...)
	}
	Must(t, "network", "create", net)
	tests := []struct {
		args []string
		same bool   // the value must equal podman's (after IDs, times and ages are hidden)
		want string // else a regexp the value must match
	}{
		// podman-container-inspect(1), podman-inspect(1)
		{args: []string{"inspect", "--format", "{{.State.Status}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.State.Running}} {{.State.Paused}} {{.State.ExitCode}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.Config.Cmd}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.Config.Env}}", ctr}, want: `FOO=bar`},
		{args: []string{"inspect", "--format", "{{.Config.WorkingDir}} {{.Config.Hostname}} {{.Config.StopSignal}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.Config.Labels.app}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{index .Config.Labels \"app\"}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.ImageName}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.ImageDigest}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.Image}}", ctr}, want: `^[0-9a-f]{64}$`},
		{args: []string{"inspect", "--format", "{{.Name}} {{.RestartCount}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.HostConfig.NetworkMode}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.NetworkSettings.Networks}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.NetworkSettings.IPAddress}}", ctr}, want: `^(10\.0\.2\.100)?$`},
		{args: []string{"inspect", "--format", "{{.EffectiveCaps}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.GraphDriver.Name}}", ctr}, want: `^(overlay|vfs)$`},
		{args: []string{"inspect", "--format", "{{.State.Pid}}", ctr}, want: `^[1-9][0-9]*$`},
		{args: []string{"inspect", "--format", "{{.HostConfig.LogConfig.Type}}", ctr}, same: true},
		{args: []string{"inspect", "--format", "{{.Id}}", ctr}, want: `^[0-9a-f]{64}$`},
		{args: []string{"container", "inspect", "--format", "{{json .Config.Labels}}", ctr}, same: true},
		// podman-ps(1)
		{args: []string{"ps", "-a", "--filter", "name=^" + ctr + "$", "--format", "{{.Names}} {{.Image}} {{.Labels}}"}, same: true},
		{args: []string{"ps", "--filter", "name=^" + ctr + "$", "--format", "{{.ID}} {{.Command}} {{.State}}"}, same: true},
		{args: []string{"ps", "--filter", "name=^" + ctr + "$", "--format", "{{.Pod}}|{{.Mounts}}"}, same: true},
		{args: []string{"ps", "--filter", "name=^" + ctr + "$", "--format", "table {{.ID}} {{.Image}} {{.Labels}} {{.Mounts}}"}, same: true},
		{args: []string{"ps", "--filter", "name=^" + ctr + "$", "--format", "{{.Names}}|{{.Networks}}|{{.Status}}"}, same: true},
		// podman-images(1), podman-image-inspect(1), podman-history(1)
		{args: []string{"images", "--filter", "reference=" + Busybox, "--format", "{{.Repository}}:{{.Tag}}"}, same: true},
		{args: []string{"images", "--filter", "reference=" + Busybox, "--format", "table {{.ID}} {{.Repository}} {{.Tag}}"}, same: true},
		{args: []string{"images", "--filter", "reference=" + Busybox, "--format", "{{.Digest}}"}, same: true},
		{args: []string{"image", "inspect", "--format", "{{.Os}}/{{.Architecture}} {{.RepoTags}}", Busybox}, same: true},
		{args: []string{"image", "inspect", "--format", "{{.Size}} {{.Config.Cmd}}", Busybox}, want: `^[1-9][0-9]* \[sh\]$`}, // the size counts ID-mapped copies of layers
		{args: []string{"history", "--format", "{{.ID}} {{.CreatedBy}}", Busybox}, want: `CMD \["sh"\]`},
		// podman-info(1), podman-version(1)
		{args: []string{"info", "--format", "{{.Host.OCIRuntime.Name}}"}, want: `^(crun|runc)$`},
		{args: []string{"info", "--format", "{{.Host.LogDriver}}"}, same: true},
		{args: []string{"info", "--format", "{{.Host.Distribution.Distribution}} {{.Host.Distribution.Version}}"}, same: true},
		{args: []string{"info", "--format", "{{.Host.Security.Rootless}} {{.Host.Arch}} {{.Host.OS}}"}, same: true},
		{args: []string{"info", "--format", "{{.Host.CgroupsVersion}} {{.Host.CgroupManager}}"}, same: true},
		{args: []string{"info", "--format", "{{.Store.GraphDriverName}}"}, want: `^(overlay|vfs)$`},
		{args: []string{"info", "--format", "{{.Host.Slirp4NetNS.Executable}}"}, same: true},
		{args: []string{"info", "--format", "{{.Store.ImageStore.Number}}"}, want: `^[0-9]+$`},
		{args: []string{"version", "--format", "{{.Server.Version}}"}, want: `.`},
		{args: []string{"version", "--format", "{{.Client.Os}} {{.Client.OsArch}}"}, same: true},
		// podman-pod-ps(1), podman-pod-inspect(1)
		{args: []string{"pod", "ps", "--filter", "name=^" + pod + "$", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}} {{.Labels}}"}, same: true},
		{args: []string{"pod", "inspect", "--format", "{{.Name}} {{.State}} {{.NumContainers}}", pod}, same: true},
		// podman-volume-ls(1), podman-volume-inspect(1)
		{args: []string{"volume", "ls", "--filter", "name=" + vol, "--format", "{{.Name}} {{.Driver}}"}, same: true},
		{args: []string{"volume", "inspect", "--format", "{{.Driver}} {{.Scope}} {{.Labels}}", vol}, same: true},
		// podman-network-ls(1), podman-network-inspect(1)
		{args: []string{"network", "ls", "--filter", "name=" + net, "--format", "{{.Name}} {{.Driver}}"}, want: `^` + net + ` bridge$`},
		{args: []string{"network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}}{{end}} {{.DNSEnabled}}", net}, want: `^\d+\.\d+\.\d+\.\d+/\d+ true$`},
	}
	// inspect JSON of a container has every top-level key podman 4's has, and every NetworkSettings and
	// State key.
	var mine, theirs []map[string]any
	if err := json.Unmarshal([]byte(Must(t, "inspect", ctr)), &mine); err != nil || len(mine) != 1 {
		t.Fatalf("skiff inspect: %v", err)
	}
	if err := json.Unmarshal([]byte(pm.must(t, "inspect", ctr)), &theirs); err != nil || len(theirs) != 1 {
		t.Fatalf("podman inspect: %v", err)
	}
	for _, section := range []string{"", "State", "NetworkSettings", "Config", "HostConfig"} {
		m, p := mine[0], theirs[0]
		if section != "" {
			m, _ = m[section].(map[string]any)
			p, _ = p[section].(map[string]any)
		}
		var missing []string
		for k := range p {
			if _, ok := m[k]; !ok {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		if section == "" && len(missing) > 0 {
			t.Errorf("inspect lacks podman's top-level keys %v", missing)
		} else if len(missing) > 0 {
			t.Logf("inspect %s lacks podman's keys %v", section, missing)
		}
	}
	// So do the JSON of image, pod and volume inspect.
	for _, args := range [][]string{{"image", "inspect", Busybox}, {"pod", "inspect", pod}, {"volume", "inspect", vol}} {
		m, p := topKeys(t, Must(t, args...)), topKeys(t, pm.must(t, args...))
		var missing []string
		for k := range p {
			if !m[k] {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks podman's top-level keys %v", strings.Join(args[:2], " "), missing)
		}
	}
	if len(tests) < 30 {
		t.Fatalf("only %d templates", len(tests))
	}
	for _, tt := range tests {
		r := Run(t, tt.args...)
		if r.Code != 0 {
			t.Errorf("%s", r)
			continue
		}
		got := strings.TrimSpace(r.Stdout)
		if tt.same {
			theirs := pm.must(t, tt.args...)
			if normalizeTemplate(got) != normalizeTemplate(theirs) {
				t.Errorf("skiff %s:\n%s\npodman:\n%s", strings.Join(tt.args, " "), got, theirs)
			}
		} else if !Matches(tt.want, got) {
			t.Errorf("skiff %s: %q does not match %q", strings.Join(tt.args, " "), got, tt.want)
		}
	}
}

// topKeys returns the keys of a JSON object, or of the first object of a JSON list.
func topKeys(t *testing.T, s string) map[string]bool {
	t.Helper()
	var list []map[string]any
	var one map[string]any
	if err := json.Unmarshal([]byte(s), &list); err == nil && len(list) > 0 {
		one = list[0]
	} else if err := json.Unmarshal([]byte(s), &one); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	keys := map[string]bool{}
	for k := range one {
		keys[k] = true
	}
	return keys
}
