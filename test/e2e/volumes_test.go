package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The acceptance scenarios of issue 5 (volumes, mounts and ID mappings), run as a user with a
// subordinate ID range. Volumes and containers are named after the test, in the user's storage.

// rmVolume removes a volume at the end of the test (and its containers, with -f).
func rmVolume(t *testing.T, name string) {
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", name) })
}

// graphRoot returns the user's storage root, where volumes live.
func graphRoot(t *testing.T) string {
	return Must(t, "info", "--format", "{{.Store.GraphRoot}}")
}

// failsOneLine fails unless r failed with exit code and one line on stderr containing want.
func failsOneLine(t *testing.T, r Result, code int, want string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want exit %d\n%s", code, r)
	}
	if lines := strings.Split(strings.TrimSpace(r.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("want one line of error containing %q\n%s", want, r)
	}
}

func TestVolumeCreateListInspectRemove(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	if got := Must(t, "volume", "create", "--label", "tier=db", "--label", "keep", name); got != name {
		t.Fatalf("create printed %q", got)
	}
	failsOneLine(t, Run(t, "volume", "create", name), 125, "volume with name "+name+" already exists")
	if got := Must(t, "volume", "create", "--ignore", name); got != name {
		t.Fatalf("create --ignore printed %q", got)
	}
	anon := Must(t, "volume", "create")
	rmVolume(t, anon)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(anon) {
		t.Fatalf("a volume without a name got %q", anon)
	}

	// ls: Podman's columns; -q; --format; --filter.
	out := Must(t, "volume", "ls")
	lines := strings.Split(out, "\n")
	if !regexp.MustCompile(`^DRIVER\s+VOLUME NAME$`).MatchString(lines[0]) || !strings.Contains(out, "\nlocal ") ||
		!regexp.MustCompile(`(?m)^local\s+`+regexp.QuoteMeta(name)+`$`).MatchString(out) {
		t.Fatalf("volume ls:\n%s", out)
	}
	if got := Must(t, "volume", "ls", "-q", "--filter", "name=^"+name+"$"); got != name {
		t.Fatalf("ls -q --filter name= printed %q", got)
	}
	if got := Must(t, "volume", "ls", "-q", "--filter", "label=tier=db", "--filter", "name="+name); got != name {
		t.Fatalf("ls --filter label= printed %q", got)
	}
	if got := Must(t, "volume", "ls", "-q", "--filter", "label=tier=web", "--filter", "name="+name); got != "" {
		t.Fatalf("ls --filter label=tier=web printed %q", got)
	}
	if got := Must(t, "volume", "ls", "--format", "{{.Name}}:{{.Driver}}:{{.Scope}}", "--filter", "name=^"+name+"$"); got != name+":local:local" {
		t.Fatalf("ls --format printed %q", got)
	}
	if got := Must(t, "volume", "ls", "-q", "--filter", "dangling=true", "--filter", "name=^"+name+"$"); got != name {
		t.Fatalf("an unused volume is not dangling: %q", got)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(Must(t, "volume", "ls", "--format", "json", "--filter", "name=^"+name+"$")), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("ls --format json: %v %v", rows, err)
	}

	// inspect: Podman's JSON.
	var data []map[string]any
	if err := json.Unmarshal([]byte(Must(t, "volume", "inspect", name)), &data); err != nil || len(data) != 1 {
		t.Fatalf("inspect JSON: %v", err)
	}
	d := data[0]
	wantMount := filepath.Join(graphRoot(t), "volumes", name, "_data")
	for k, want := range map[string]any{"Name": name, "Driver": "local", "Scope": "local", "Mountpoint": wantMount,
		"MountCount": float64(0), "NeedsCopyUp": true, "NeedsChown": true} {
		if d[k] != want {
			t.Errorf("inspect %s = %v, want %v", k, d[k], want)
		}
	}
	if l, _ := d["Labels"].(map[string]any); l["tier"] != "db" || l["keep"] != "" {
		t.Errorf("inspect Labels = %v", d["Labels"])
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(d["CreatedAt"])); err != nil {
		t.Errorf("CreatedAt %v: %v", d["CreatedAt"], err)
	}
	if st, err := os.Stat(wantMount); err != nil || !st.IsDir() {
		t.Errorf("mount point %s: %v", wantMount, err)
	}
	if got := Must(t, "volume", "inspect", "--format", "{{.Name}} {{.Labels.tier}}", name); got != name+" db" {
		t.Errorf("inspect --format printed %q", got)
	}
	if all := Must(t, "volume", "inspect", "--all", "--format", "{{.Name}}"); !strings.Contains(all, name) || !strings.Contains(all, anon) {
		t.Errorf("inspect --all:\n%s", all)
	}
	failsOneLine(t, Run(t, "volume", "inspect", name+"-nope"), 125, "no such volume "+name+"-nope")

	// exists, rm.
	Must(t, "volume", "exists", name)
	if r := Run(t, "volume", "exists", name+"-nope"); r.Code != 1 || r.Stderr != "" {
		t.Fatalf("exists of a missing volume: %s", r)
	}
	if got := Must(t, "volume", "rm", name); got != name {
		t.Fatalf("rm printed %q", got)
	}
	failsOneLine(t, Run(t, "volume", "rm", name), 1, "no such volume "+name)
	if _, err := os.Stat(filepath.Dir(wantMount)); !os.IsNotExist(err) {
		t.Fatalf("rm left %s: %v", filepath.Dir(wantMount), err)
	}
}

// Bad input fails with one line and exit 125 and changes nothing.
func TestVolumeBadInput(t *testing.T) {
	before := Must(t, "volume", "ls", "-q")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"volume", "create", "bad/name"}, `volume name "bad/name": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`},
		{[]string{"volume", "create", "_x"}, `volume name "_x"`},
		{[]string{"volume", "create", "--driver", "nfs", "x"}, `volume driver "nfs": skiff has only the local driver`},
		{[]string{"volume", "create", "-o", "type=nfs", "x"}, `volume option type=nfs`},
		{[]string{"volume", "create", "-o", "colour=red", "x"}, `volume option "colour"`},
		{[]string{"volume", "create", "-o", "type", "x"}, `--opt "type": want KEY=VALUE`},
		{[]string{"volume", "create", "-o", "o=size=1m", "x"}, `size= needs type=tmpfs`},
		{[]string{"volume", "create", "a", "b"}, `volume create takes at most one name`},
		{[]string{"volume", "ls", "--filter", "colour=red"}, `--filter "colour=red": want KEY=VALUE with KEY one of name, label`},
		{[]string{"volume", "ls", "--filter", "dangling=maybe"}, `want dangling=true or dangling=false`},
		{[]string{"volume", "prune", "--filter", "dangling=true"}, `with KEY one of label, label!, until`},
		{[]string{"volume", "inspect"}, `give volume names or --all`},
		{[]string{"volume", "rm"}, `give volume names or --all`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			failsOneLine(t, Run(t, tt.args...), 125, tt.want)
		})
	}
	if after := Must(t, "volume", "ls", "-q"); after != before {
		t.Fatalf("bad input changed the volumes:\n%s\n---\n%s", before, after)
	}
}

// Of several `volume create` of one name at once, one wins; the others fail cleanly.
func TestVolumeConcurrentCreate(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	const n = 8
	results := make([]Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = Run(t, "volume", "create", "--label", "n="+strconv.Itoa(i), name)
		}()
	}
	wg.Wait()
	won := 0
	for _, r := range results {
		switch {
		case r.Code == 0:
			won++
		case r.Code != 125 || !strings.Contains(r.Stderr, "already exists"):
			t.Errorf("unexpected failure: %s", r)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates succeeded, want 1", won)
	}
	if got := Must(t, "volume", "ls", "-q", "--filter", "name=^"+name+"$"); got != name {
		t.Fatalf("ls after the race: %q", got)
	}
}

// A volume command killed at any moment leaves the store consistent: the volume is there whole or not
// at all, and the next commands work.
func TestVolumeKilledCommand(t *testing.T) {
	base := Name(t)
	for i := 0; i < 12; i++ {
		name := fmt.Sprintf("%s-%d", base, i)
		rmVolume(t, name)
		args := []string{"volume", "create", name}
		if i%2 == 1 {
			Must(t, "volume", "create", name)
			args = []string{"volume", "rm", name}
		}
		cmd := exec.Command(Binary, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i%6) * 15 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		listed := Must(t, "volume", "ls", "-q", "--filter", "name=^"+name+"$") == name
		r := Run(t, "volume", "inspect", "--format", "{{.Mountpoint}}", name)
		if listed != (r.Code == 0) {
			t.Fatalf("after a killed %v: listed %v but inspect %s", args, listed, r)
		}
		if listed {
			if _, err := os.Stat(strings.TrimSpace(r.Stdout)); err != nil {
				t.Fatalf("after a killed %v: the volume is listed but its data is missing: %v", args, err)
			}
		}
		Must(t, "volume", "create", "--ignore", name)
		Must(t, "volume", "rm", name)
	}
	entries, _ := os.ReadDir(filepath.Join(graphRoot(t), "volumes"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-"+base) || strings.HasPrefix(e.Name(), ".rm-"+base) {
			t.Errorf("debris of a killed command left after the next change: %s", e.Name())
		}
	}
}

func TestVolumePrune(t *testing.T) {
	name := Name(t)
	rmVolume(t, name+"-a")
	rmVolume(t, name+"-b")
	Must(t, "volume", "create", "--label", "prune-me="+name, name+"-a")
	Must(t, "volume", "create", name+"-b")
	if got := Must(t, "volume", "prune", "-f", "--filter", "label=prune-me="+name); got != name+"-a" {
		t.Fatalf("prune --filter printed %q", got)
	}
	Must(t, "volume", "exists", name+"-b")
	if r := Run(t, "volume", "exists", name+"-a"); r.Code != 1 {
		t.Fatalf("pruned volume still exists: %s", r)
	}
}

// hostIDOf maps a namespace UID to the host's through the user's namespace's uid_map.
func hostIDOf(t *testing.T, id int) int {
	t.Helper()
	for _, line := range strings.Split(Must(t, "unshare", "cat", "/proc/self/uid_map"), "\n") {
		var c, h, n int
		if _, err := fmt.Sscan(line, &c, &h, &n); err == nil && id >= c && id < c+n {
			return h + id - c
		}
	}
	t.Fatalf("uid %d is not mapped in the user's namespace", id)
	return -1
}

func ownerOf(t *testing.T, path string) (int, int) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return int(st.Uid), int(st.Gid)
}

// homeDir makes a directory under the user's home for the test, writable by every container user.
func homeDir(t *testing.T) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, Name(t))
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	// Files of subordinate IDs need the namespace to go.
	t.Cleanup(func() { Run(t, "unshare", "rm", "-rf", dir) })
	return dir
}

// With keep-id, a file the container writes into a bind mount of the user's home belongs to the user;
// the user has a passwd entry, a group and HOME. Without keep-id, container UID 1000 is a subordinate ID.
func TestVolumeBindMountOwnership(t *testing.T) {
	dir := homeDir(t)
	out := Must(t, "run", "--rm", "--userns=keep-id", "-v", dir+":/data", Busybox, "sh", "-c",
		`id -u; id -g; id -un; echo "HOME=$HOME"; grep "^$(id -un):" /etc/passwd; grep ":$(id -g):" /etc/group; touch /data/keep-id`)
	lines := strings.Split(out, "\n")
	uid, gid := os.Getuid(), os.Getgid()
	if len(lines) != 6 || lines[0] != strconv.Itoa(uid) || lines[1] != strconv.Itoa(gid) {
		t.Fatalf("keep-id: container user:\n%s", out)
	}
	home := strings.TrimPrefix(lines[3], "HOME=")
	if !strings.HasSuffix(lines[4], ":"+home+":/bin/sh") || !strings.HasPrefix(lines[4], lines[2]+":*:"+lines[0]+":"+lines[1]+":") {
		t.Errorf("keep-id: passwd entry %q does not match user %s and HOME %s", lines[4], lines[2], home)
	}
	if u, g := ownerOf(t, filepath.Join(dir, "keep-id")); u != uid || g != gid {
		t.Errorf("keep-id: the file belongs to %d:%d on the host, want %d:%d", u, g, uid, gid)
	}

	Must(t, "run", "--rm", "-u", "1000", "-v", dir+":/data", Busybox, "touch", "/data/uid1000")
	if u, _ := ownerOf(t, filepath.Join(dir, "uid1000")); u != hostIDOf(t, 1000) {
		t.Errorf("default mode: a file of container UID 1000 belongs to host UID %d, want %d", u, hostIDOf(t, 1000))
	}
	// keep-id with the home directory mounted: HOME is the user's own.
	home2, _ := os.UserHomeDir()
	if got := Must(t, "run", "--rm", "--userns=keep-id", "-v", home2+":"+home2, Busybox, "sh", "-c", "echo $HOME"); got != home2 {
		t.Errorf("keep-id with the home mounted: HOME=%s, want %s", got, home2)
	}
}

func TestVolumeSharedReadOnlyTmpfs(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	Must(t, "run", "--rm", "-v", name+":/v", Busybox, "sh", "-c", "echo shared > /v/file")
	if got := Must(t, "run", "--rm", "-v", name+":/v", Busybox, "cat", "/v/file"); got != "shared" {
		t.Fatalf("second container read %q", got)
	}
	r := Run(t, "run", "--rm", "-v", name+":/v:ro", Busybox, "sh", "-c", "cat /v/file; touch /v/other")
	if r.Code == 0 || !strings.Contains(r.Stderr, "Read-only file system") || strings.TrimSpace(r.Stdout) != "shared" {
		t.Fatalf(":ro allowed a write or hid the data\n%s", r)
	}
	if got := Must(t, "run", "--rm", "--mount", "type=volume,src="+name+",dst=/v,readonly", Busybox, "sh", "-c",
		"touch /v/x 2>/dev/null && echo writable || echo read-only"); got != "read-only" {
		t.Fatalf("--mount readonly: %s", got)
	}
	if got := Must(t, "run", "--rm", "--tmpfs", "/scratch", Busybox, "stat", "-f", "-c", "%T", "/scratch"); got != "tmpfs" {
		t.Fatalf("--tmpfs /scratch is %q", got)
	}
	if got := Must(t, "run", "--rm", "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m", Busybox, "sh", "-c", "df -k /t | tail -1"); !strings.Contains(got, " 1024 ") {
		t.Fatalf("--mount type=tmpfs,tmpfs-size=1m: %s", got)
	}
	// A volume with a tmpfs of its own (-o type=tmpfs) is a tmpfs in the container.
	tv := name + "-tmpfs"
	rmVolume(t, tv)
	Must(t, "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=10m", tv)
	if got := Must(t, "run", "--rm", "-v", tv+":/t", Busybox, "sh", "-c", "stat -f -c %T /t; df -k /t | tail -1"); !strings.HasPrefix(got, "tmpfs\n") || !strings.Contains(got, " 10240 ") {
		t.Fatalf("tmpfs volume: %s", got)
	}
}

// A new named volume mounted over the layers image's /data starts with the image's files, owners
// included; once only.
func TestVolumeCopyUp(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	Must(t, "pull", "-q", Layers)
	out := Must(t, "run", "--rm", "-v", name+":/data", Layers, "sh", "-c", "cat /data/app/file; ls -ln /data/app/file /data/big")
	if !strings.HasPrefix(out, "hello from skiff layers test image\n") ||
		!regexp.MustCompile(`(?m)^-rw-r--r--\s+2\s+1000\s+1000\s+35 .* /data/app/file$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^-rw-r--r--\s+1\s+65534\s+65534\s+8388608 .* /data/big$`).MatchString(out) {
		t.Fatalf("the new volume lacks the image's content:\n%s", out)
	}
	if got := Must(t, "volume", "inspect", "--format", "{{.NeedsCopyUp}}", name); got != "false" {
		t.Fatalf("NeedsCopyUp = %s after the first use", got)
	}
	Must(t, "run", "--rm", "-v", name+":/data", Layers, "rm", "/data/app/file")
	if r := Run(t, "run", "--rm", "-v", name+":/data", Layers, "ls", "/data/app/file"); r.Code == 0 {
		t.Fatalf("the volume was filled a second time: %s", r)
	}
	// nocopy leaves a new volume empty.
	Must(t, "run", "--rm", "-v", name+"-nocopy:/data:nocopy", Layers, "true")
	rmVolume(t, name+"-nocopy")
	if got := Must(t, "run", "--rm", "-v", name+"-nocopy:/data", Busybox, "ls", "-A", "/data"); got != "" {
		t.Fatalf("nocopy volume holds %q", got)
	}
}

// :U gives a volume to the container's user.
func TestVolumeChown(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	Must(t, "run", "--rm", "-v", name+":/v", Busybox, "touch", "/v/f")
	if got := Must(t, "run", "--rm", "-u", "1000:1000", "-v", name+":/v:U", Busybox, "sh", "-c", "stat -c %u:%g /v /v/f; touch /v/mine"); got != "1000:1000\n1000:1000" {
		t.Fatalf(":U owners %q", got)
	}
}

// volumeImage builds an OCI layout holding busybox from the local registry plus a layer with
// /vol/seed, and VOLUME /vol; it returns the oci: reference to pull.
func volumeImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	get := func(path string, accept string) []byte {
		req, _ := http.NewRequest("GET", "http://"+Registry+"/v2/busybox/"+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("local registry: %v", err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s %v", path, resp.Status, err)
		}
		return b
	}
	put := func(b []byte) string {
		sum := sha256.Sum256(b)
		d := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(blobs, d), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return "sha256:" + d
	}
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	var m struct {
		Config desc   `json:"config"`
		Layers []desc `json:"layers"`
	}
	if err := json.Unmarshal(get("manifests/latest", "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"), &m); err != nil {
		t.Fatal(err)
	}
	var layers []desc
	for _, l := range m.Layers {
		put(get("blobs/"+l.Digest, ""))
		layers = append(layers, desc{"application/vnd.oci.image.layer.v1.tar+gzip", l.Digest, l.Size})
	}
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	tw.WriteHeader(&tar.Header{Name: "vol/", Typeflag: tar.TypeDir, Mode: 0o750, Uid: 1000, Gid: 1000, ModTime: time.Unix(1600000000, 0)})
	tw.WriteHeader(&tar.Header{Name: "vol/seed", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 1000, Gid: 1000, Size: 5, ModTime: time.Unix(1600000000, 0)})
	tw.Write([]byte("seed\n"))
	tw.Close()
	diffSum := sha256.Sum256(raw.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	layers = append(layers, desc{"application/vnd.oci.image.layer.v1.tar+gzip", put(gz.Bytes()), gz.Len()})
	var cfg map[string]any
	if err := json.Unmarshal(get("blobs/"+m.Config.Digest, ""), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["config"].(map[string]any)["Volumes"] = map[string]any{"/vol": map[string]any{}}
	rootfs := cfg["rootfs"].(map[string]any)
	rootfs["diff_ids"] = append(rootfs["diff_ids"].([]any), "sha256:"+hex.EncodeToString(diffSum[:]))
	if h, ok := cfg["history"].([]any); ok {
		cfg["history"] = append(h, map[string]any{"created_by": "VOLUME /vol"})
	}
	cb, _ := json.Marshal(cfg)
	mb, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": desc{"application/vnd.oci.image.config.v1+json", put(cb), len(cb)}, "layers": layers})
	ib, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{
		"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(mb), "size": len(mb),
		"annotations": map[string]string{"org.opencontainers.image.ref.name": "vol"}}}})
	os.WriteFile(filepath.Join(dir, "index.json"), ib, 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	return "oci:" + dir + ":vol"
}

// anonymousVolumes lists the anonymous volumes.
func anonymousVolumes(t *testing.T) map[string]bool {
	out := map[string]bool{}
	for _, n := range strings.Fields(Must(t, "volume", "ls", "-q", "--filter", "anonymous=true")) {
		out[n] = true
	}
	return out
}

// An image VOLUME becomes an anonymous volume, filled from the image; rm keeps it, rm -v removes it.
func TestVolumeImageVolume(t *testing.T) {
	id := Must(t, "pull", "-q", volumeImage(t))
	t.Cleanup(func() { Run(t, "rmi", "-f", id) })
	for _, removeVolumes := range []bool{false, true} {
		name := fmt.Sprintf("%s-%v", Name(t), removeVolumes)
		rmContainer(t, name)
		before := anonymousVolumes(t)
		if got := Must(t, "run", "--name", name, id, "sh", "-c", "cat /vol/seed; stat -c %u:%g:%a /vol; grep -c ' /vol ' /proc/mounts"); got != "seed\n1000:1000:750\n1" {
			t.Fatalf("the image VOLUME is not a volume filled from the image: %q", got)
		}
		var created []string
		for n := range anonymousVolumes(t) {
			if !before[n] {
				created = append(created, n)
			}
		}
		if len(created) != 1 {
			t.Fatalf("%d anonymous volumes created, want 1", len(created))
		}
		rmVolume(t, created[0])
		failsOneLine(t, Run(t, "volume", "rm", created[0]), 2, name)
		args := []string{"rm", name}
		if removeVolumes {
			args = []string{"rm", "-v", name}
		}
		Must(t, args...)
		exists := Run(t, "volume", "exists", created[0]).Code == 0
		if exists == removeVolumes {
			t.Fatalf("%v: the anonymous volume exists = %v", args, exists)
		}
	}
}

// volume rm of a volume that a container uses fails, naming the container; -f removes both.
func TestVolumeRmInUse(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	rmContainer(t, name+"-ctr")
	Must(t, "create", "--name", name+"-ctr", "-v", name+":/v", Busybox, "true")
	failsOneLine(t, Run(t, "volume", "rm", name), 2, "volume "+name+" is being used by the following container(s): "+name+"-ctr")
	if got := Must(t, "volume", "ls", "-q", "--filter", "dangling=false", "--filter", "name=^"+name+"$"); got != name {
		t.Fatalf("a volume in use is dangling: %q", got)
	}
	if got := Must(t, "volume", "prune", "-f"); strings.Contains(got, name) {
		t.Fatalf("prune removed a volume in use: %s", got)
	}
	Must(t, "volume", "rm", "-f", name)
	if r := Run(t, "container", "exists", name+"-ctr"); r.Code == 0 {
		t.Fatal("volume rm -f kept the container")
	}
}

func TestVolumesFrom(t *testing.T) {
	name := Name(t)
	rmVolume(t, name)
	rmContainer(t, name+"-src")
	dir := homeDir(t)
	Must(t, "create", "--name", name+"-src", "-v", name+":/v", "-v", dir+":/h", "--tmpfs", "/t", Busybox, "true")
	Must(t, "run", "--rm", "-v", name+":/v", Busybox, "sh", "-c", "echo from > /v/f")
	out := Must(t, "run", "--rm", "--volumes-from", name+"-src:ro", Busybox, "sh", "-c",
		"cat /v/f; touch /h/x 2>/dev/null && echo h-rw || echo h-ro; stat -f -c %T /t 2>/dev/null || echo no-t")
	if out != "from\nh-ro\nno-t" {
		t.Fatalf("--volumes-from :ro gave\n%s", out)
	}
}

// Bad mount and ID flags fail before anything is created, with one line naming the flag.
func TestVolumeBadSpecs(t *testing.T) {
	before := Must(t, "ps", "-a", "-q", "--no-trunc")
	vols := Must(t, "volume", "ls", "-q")
	name := Name(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-v", ":/x"}, `-v ":/x": nothing before the colon`},
		{[]string{"--mount", "type=nope,dst=/x"}, `--mount "type=nope,dst=/x": unknown type "nope": use type=bind, type=volume or type=tmpfs`},
		{[]string{"--tmpfs", "relative"}, `--tmpfs "relative": container path "relative" is not absolute: use --tmpfs /relative`},
		{[]string{"-v", "./no-such-dir:/x"}, `host path`},
		{[]string{"-v", "a:/x", "--tmpfs", "/x"}, `duplicate mount destination /x`},
		{[]string{"-v", "v:/x:bogus"}, `unknown option "bogus"`},
		{[]string{"--mount", "type=volume,dst=/x,volume-opt=type=nfs"}, `volume option type=nfs`},
		{[]string{"--userns", "bogus"}, `--userns "bogus"`},
		{[]string{"--uidmap", "0:1"}, `--uidmap "0:1": want CONTAINER:INTERMEDIATE:SIZE`},
		{[]string{"--uidmap", "0:100000:100"}, `IDs 100000-100099 are not in the user's namespace`},
		{[]string{"--userns", "keep-id", "--uidmap", "0:1:1"}, `cannot be combined`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for _, verb := range []string{"create", "run"} {
				args := append(append([]string{verb, "--name", name}, tt.args...), Busybox, "true")
				failsOneLine(t, Run(t, args...), 125, tt.want)
			}
		})
	}
	if after := Must(t, "ps", "-a", "-q", "--no-trunc"); after != before {
		t.Errorf("bad specs created containers:\n%s\n---\n%s", before, after)
	}
	if after := Must(t, "volume", "ls", "-q"); after != vols {
		t.Errorf("bad specs created volumes:\n%s\n---\n%s", vols, after)
	}
}

// nomap leaves the user out of the container; --uidmap maps exactly what it says.
func TestUserNSModes(t *testing.T) {
	if got := Must(t, "run", "--rm", "--userns=nomap", Busybox, "sh", "-c", "cat /proc/self/uid_map; id -u"); strings.Join(strings.Fields(got), " ") != "0 1 65536 0" {
		t.Errorf("nomap uid_map/id: %q", got)
	}
	if got := Must(t, "run", "--rm", "--userns=keep-id:uid=200,gid=300", Busybox, "sh", "-c", "id -u; id -g"); got != "200\n300" {
		t.Errorf("keep-id:uid=200,gid=300 runs as %q", got)
	}
	got := Must(t, "run", "--rm", "--uidmap", "0:1:5000", "--gidmap", "0:1:5000", Busybox, "sh", "-c", "cat /proc/self/uid_map; ls -n /bin/busybox")
	if f := strings.Fields(got); len(f) < 6 || strings.Join(f[:3], " ") != "0 1 5000" || f[5] != "0" {
		t.Errorf("--uidmap 0:1:5000: %q", got)
	}
}
