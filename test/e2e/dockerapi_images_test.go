package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// The Docker API's image, build, network, volume and system df endpoints, through the real docker CLI
// against `skiff system service`; what docker shows is checked against what skiff shows.

// skiffImageID is the image's ID as skiff inspect prints it, with Docker's "sha256:" prefix.
func skiffImageID(t *testing.T, name string) string {
	t.Helper()
	return "sha256:" + strings.TrimPrefix(Must(t, "inspect", "--type", "image", "--format", "{{.Id}}", name), "sha256:")
}

// registryTags lists the tags the local registry holds for repo.
func registryTags(t *testing.T, repo string) []string {
	t.Helper()
	resp, err := http.Get("http://" + Registry + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var list struct{ Tags []string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &list) != nil {
		return nil
	}
	return list.Tags
}

func TestDockerAPIImages(t *testing.T) {
	s := startService(t, "0")
	out := s.mustDocker(t, "pull", Busybox)
	if !strings.Contains(out, "Digest: sha256:") || !strings.Contains(out, "Status: ") {
		t.Fatalf("docker pull printed no Docker progress lines:\n%s", out)
	}
	if got, want := s.mustDocker(t, "image", "inspect", "--format", "{{.Id}}", Busybox), skiffImageID(t, Busybox); got != want {
		t.Fatalf("docker image inspect: ID %s, skiff inspect says %s", got, want)
	}
	r := s.docker(t, "pull", Registry+"/no-such-image-"+Name(t)+":1")
	if r.Code == 0 || !strings.Contains(r.Stderr, "does not exist") {
		t.Fatalf("docker pull of a missing image: want a failure naming it\n%s", r)
	}

	repo := Registry + "/" + Name(t)
	tagged := repo + ":1"
	s.mustDocker(t, "tag", Busybox, tagged)
	t.Cleanup(func() { Run(t, "rmi", "-f", tagged) })
	if got := skiffImageID(t, tagged); got != skiffImageID(t, Busybox) {
		t.Fatalf("skiff sees %s as %s after docker tag, want the busybox image", tagged, got)
	}
	if list := s.mustDocker(t, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"); !strings.Contains(list, tagged+" ") {
		t.Fatalf("docker images does not list %s:\n%s", tagged, list)
	}
	if hist := s.mustDocker(t, "history", "--format", "{{.CreatedBy}}", tagged); !strings.Contains(hist, "mkimage busybox") {
		t.Fatalf("docker history of %s:\n%s", tagged, hist)
	}

	out = s.mustDocker(t, "push", tagged)
	if !strings.Contains(out, "1: digest: sha256:") {
		t.Fatalf("docker push printed no digest line:\n%s", out)
	}
	if tags := registryTags(t, strings.TrimPrefix(repo, Registry+"/")); len(tags) != 1 || tags[0] != "1" {
		t.Fatalf("registry tags of %s after docker push: %v, want [1]", repo, tags)
	}

	archive := filepath.Join(t.TempDir(), "images.tar")
	s.mustDocker(t, "save", "-o", archive, tagged)
	if st, err := os.Stat(archive); err != nil || st.Size() == 0 {
		t.Fatalf("docker save wrote no archive: %v", err)
	}
	if out := s.mustDocker(t, "rmi", tagged); !strings.Contains(out, "Untagged: "+tagged) {
		t.Fatalf("docker rmi %s:\n%s", tagged, out)
	}
	if r := Run(t, "image", "exists", tagged); r.Code != 1 {
		t.Fatalf("skiff still has %s after docker rmi\n%s", tagged, r)
	}
	if out := s.mustDocker(t, "load", "-i", archive); !strings.Contains(out, "Loaded image: "+tagged) {
		t.Fatalf("docker load:\n%s", out)
	}
	if got := skiffImageID(t, tagged); got != skiffImageID(t, Busybox) {
		t.Fatalf("after docker load skiff sees %s as %s, want the busybox image", tagged, got)
	}
	// And back from the registry it was pushed to.
	s.mustDocker(t, "rmi", tagged)
	s.mustDocker(t, "pull", tagged)
	Must(t, "image", "exists", tagged)
}

func TestDockerAPIBuild(t *testing.T) {
	s := startService(t, "0")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM "+Busybox+"\nARG WHO=nobody\nCOPY greeting /greeting\n"+
		"RUN echo \"$(cat /greeting) $WHO\" > /built\nHEALTHCHECK --interval=5s CMD true\nLABEL stage=api\n")
	writeFile(t, filepath.Join(dir, "greeting"), "hello")
	name := "localhost/" + Name(t) + ":1"
	t.Cleanup(func() { Run(t, "rmi", "-f", name) })
	r := s.docker(t, "build", "-t", name, "--build-arg", "WHO=docker", "--label", "via=docker", dir)
	if r.Code != 0 || !strings.Contains(r.Stdout, "Successfully built") {
		t.Fatalf("docker build: want success and Docker's closing line\n%s", r)
	}
	if got := Must(t, "run", "--rm", name, "cat", "/built"); got != "hello docker" {
		t.Fatalf("the built image holds %q, want %q", got, "hello docker")
	}
	labels := Must(t, "inspect", "--type", "image", "--format", "{{.Labels.stage}} {{.Labels.via}}", name)
	if labels != "api docker" {
		t.Fatalf("labels of the built image: %q, want \"api docker\"", labels)
	}
	if hc := s.mustDocker(t, "image", "inspect", "--format", "{{.Config.Healthcheck.Test}}", name); hc != "[CMD-SHELL true]" {
		t.Fatalf("docker image inspect: healthcheck %q, want the Dockerfile's", hc)
	}

	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM "+Busybox+"\nRUN exit 3\n")
	if r := s.docker(t, "build", dir); r.Code != 3 {
		t.Fatalf("docker build with a step that exits 3: want exit 3\n%s", r)
	}
	if r := s.docker(t, "build", "--platform", "linux/s390x", dir); r.Code == 0 || !strings.Contains(r.Stderr, "platform") {
		t.Fatalf("docker build for another platform: want a refusal naming the platform\n%s", r)
	}
}

func TestDockerAPINetworksVolumes(t *testing.T) {
	s := startService(t, "0")
	net := Name(t)
	id := s.mustDocker(t, "network", "create", "--label", "owner="+net, "--subnet", "10.89.250.0/24", net)
	t.Cleanup(func() { Run(t, "network", "rm", "-f", net) })
	if got := Must(t, "network", "inspect", "--format", "{{.ID}} {{index .Labels \"owner\"}}", net); got != id+" "+net {
		t.Fatalf("skiff network inspect after docker network create: %q, want %q", got, id+" "+net)
	}
	if ls := s.mustDocker(t, "network", "ls", "--filter", "label=owner="+net, "--format", "{{.Name}}"); ls != net {
		t.Fatalf("docker network ls --filter label: %q, want %q", ls, net)
	}
	if cfg := s.mustDocker(t, "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", net); cfg != "10.89.250.0/24" {
		t.Fatalf("docker network inspect: subnet %q", cfg)
	}
	if r := s.docker(t, "network", "create", "--ipv6", net+"-v6"); r.Code == 0 || !strings.Contains(r.Stderr, "IPv6") {
		t.Fatalf("docker network create --ipv6: want a refusal naming IPv6\n%s", r)
	}
	s.mustDocker(t, "network", "rm", net)
	if r := Run(t, "network", "exists", net); r.Code != 1 {
		t.Fatalf("skiff still has network %s after docker network rm\n%s", net, r)
	}

	vol := Name(t)
	s.mustDocker(t, "volume", "create", "--label", "owner="+vol, vol)
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", vol) })
	if got := Must(t, "volume", "inspect", "--format", "{{.Name}} {{.Labels.owner}}", vol); got != vol+" "+vol {
		t.Fatalf("skiff volume inspect after docker volume create: %q", got)
	}
	if ls := s.mustDocker(t, "volume", "ls", "--filter", "label=owner="+vol, "--format", "{{.Name}}"); ls != vol {
		t.Fatalf("docker volume ls --filter label: %q, want %q", ls, vol)
	}
	mp := s.mustDocker(t, "volume", "inspect", "--format", "{{.Mountpoint}}", vol)
	if want := Must(t, "volume", "inspect", "--format", "{{.Mountpoint}}", vol); mp != want {
		t.Fatalf("docker volume inspect: mount point %q, skiff says %q", mp, want)
	}
	s.mustDocker(t, "volume", "rm", vol)
	if r := Run(t, "volume", "exists", vol); r.Code != 1 {
		t.Fatalf("skiff still has volume %s after docker volume rm\n%s", vol, r)
	}
	if r := s.docker(t, "volume", "inspect", vol); r.Code == 0 || !strings.Contains(r.Stderr, "no such volume") {
		t.Fatalf("docker volume inspect of a removed volume: want not found\n%s", r)
	}
}

func TestDockerAPISystemDF(t *testing.T) {
	s := startService(t, "0")
	Must(t, "pull", Busybox)
	vol := Name(t)
	Must(t, "volume", "create", vol)
	t.Cleanup(func() { Run(t, "volume", "rm", "-f", vol) })
	docker := map[string]string{}
	for _, line := range strings.Split(s.mustDocker(t, "system", "df", "--format", "{{.Type}}={{.TotalCount}}"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		docker[k] = v
	}
	skiff := map[string]string{}
	for _, line := range strings.Split(Must(t, "system", "df", "--format", "{{.Type}}={{.Total}}"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		skiff[k] = v
	}
	for _, typ := range []string{"Images", "Containers", "Local Volumes"} {
		if docker[typ] == "" || docker[typ] != skiff[typ] {
			t.Errorf("system df %s: docker counts %q, skiff %q", typ, docker[typ], skiff[typ])
		}
	}
	if verbose := s.mustDocker(t, "system", "df", "-v"); !strings.Contains(verbose, vol) {
		t.Errorf("docker system df -v does not list volume %s:\n%s", vol, verbose)
	}
}
