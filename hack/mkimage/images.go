package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Options are the inputs the built-in image specs need from the host.
type Options struct {
	Busybox string // host path of a static busybox binary
	Rootfs  string // debootstrap'ed directory for the distro image
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// labelPrefix namespaces the labels the test images carry.
const labelPrefix = "org.skiffproject.test."

// Specs returns the built-in image specs by name.
func Specs(opts Options) map[string]func() (*Spec, error) {
	return map[string]func() (*Spec, error){
		"busybox": func() (*Spec, error) { return busyboxSpec(opts) },
		"layers":  func() (*Spec, error) { return layersSpec(opts) },
		"distro":  func() (*Spec, error) { return distroSpec(opts) },
		"systemd": func() (*Spec, error) { return systemdSpec(opts) },
	}
}

// busyboxEntries is the busybox base layer: the static binary, one symlink
// per applet, a minimal /etc and the usual top-level directories.
func busyboxEntries(busybox string) ([]Entry, error) {
	out, err := exec.Command(busybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", busybox, err)
	}
	applets := strings.Fields(string(out))
	if len(applets) < 50 {
		return nil, fmt.Errorf("%s --list-full: only %d applets", busybox, len(applets))
	}
	sort.Strings(applets)

	entries := []Entry{
		Dir("bin", 0o755, 0, 0),
		Dir("dev", 0o755, 0, 0),
		Dir("etc", 0o755, 0, 0),
		Dir("home", 0o755, 0, 0),
		Dir("proc", 0o555, 0, 0),
		Dir("root", 0o700, 0, 0),
		Dir("run", 0o755, 0, 0),
		Dir("sbin", 0o755, 0, 0),
		Dir("sys", 0o555, 0, 0),
		Dir("tmp", 0o1777, 0, 0),
		Dir("usr", 0o755, 0, 0),
		Dir("usr/bin", 0o755, 0, 0),
		Dir("usr/sbin", 0o755, 0, 0),
		Dir("var", 0o755, 0, 0),
		Dir("var/tmp", 0o1777, 0, 0),
		Dir("var/www", 0o755, 0, 0),
		{Path: "bin/busybox", Type: TypeFile, Mode: 0o755, Source: busybox},
		File("etc/passwd", 0o644, 0, 0, []byte(
			"root:x:0:0:root:/root:/bin/sh\n"+
				"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")),
		File("etc/group", 0o644, 0, 0, []byte(
			"root:x:0:\n"+
				"nogroup:x:65534:\n")),
		File("etc/hostname", 0o644, 0, 0, []byte("busybox\n")),
		File("etc/hosts", 0o644, 0, 0, []byte("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")),
		File("etc/nsswitch.conf", 0o644, 0, 0, []byte("hosts: files dns\n")),
	}
	for _, a := range applets {
		if a == "bin/busybox" {
			continue
		}
		entries = append(entries, Symlink(a, "/bin/busybox"))
	}
	return entries, nil
}

func busyboxSpec(opts Options) (*Spec, error) {
	entries, err := busyboxEntries(opts.Busybox)
	if err != nil {
		return nil, err
	}
	return &Spec{
		Name: "busybox",
		Tags: []string{"latest", "1"},
		Layers: []Layer{{
			CreatedBy: "mkimage busybox base: " + opts.Busybox + " + applet symlinks",
			Entries:   entries,
		}},
		Config: imgspecv1.ImageConfig{
			Env:    []string{"PATH=" + defaultPath},
			Cmd:    []string{"sh"},
			Labels: map[string]string{labelPrefix + "image": "busybox"},
		},
		History: []imgspecv1.History{{CreatedBy: `CMD ["sh"]`}},
	}, nil
}

// BigFileSize is the size of /data/big in the layers image.
const BigFileSize = 8 << 20

// AppFileContent is the content of /data/app/file in the layers image.
const AppFileContent = "hello from skiff layers test image\n"

func layersSpec(opts Options) (*Spec, error) {
	base, err := busyboxEntries(opts.Busybox)
	if err != nil {
		return nil, err
	}
	return &Spec{
		Name: "layers",
		Tags: []string{"1"},
		Layers: []Layer{
			{
				CreatedBy: "mkimage busybox base: " + opts.Busybox + " + applet symlinks",
				Entries:   base,
			},
			{
				CreatedBy: "mkimage layers: ownership, hardlink, symlink, setuid, doomed dir",
				Entries: []Entry{
					Dir("data", 0o755, 0, 0),
					Dir("data/app", 0o755, 1000, 1000),
					File("data/app/file", 0o644, 1000, 1000, []byte(AppFileContent)),
					Hardlink("data/app/hardlink", "data/app/file"),
					Symlink("data/app/symlink", "file"),
					Dir("usr/local", 0o755, 0, 0),
					Dir("usr/local/bin", 0o755, 0, 0),
					File("usr/local/bin/suid-tool", 0o4755, 0, 0, []byte("#!/bin/sh\necho suid-tool \"$(id -u)\"\n")),
					Dir("data/doomed", 0o755, 0, 0),
					File("data/doomed/file", 0o644, 0, 0, []byte("deleted by the next layer\n")),
				},
			},
			{
				CreatedBy: "mkimage layers: whiteout /data/doomed, 8 MiB /data/big owned by nobody",
				Level:     gzip.BestSpeed,
				Build: func() ([]Entry, error) {
					return []Entry{
						Dir("data", 0o755, 0, 0),
						Whiteout("data/doomed"),
						File("data/big", 0o644, 65534, 65534, pseudoRandom(BigFileSize, "skiff layers /data/big")),
					}, nil
				},
			},
		},
		Config: imgspecv1.ImageConfig{
			Env:          []string{"PATH=" + defaultPath, "LAYERS_TEST=yes"},
			WorkingDir:   "/data",
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			Cmd:          []string{"cat", "/data/app/file"},
			Labels: map[string]string{
				labelPrefix + "image":       "layers",
				labelPrefix + "description": "multi-layer test image: ownership, links, setuid, whiteout",
			},
		},
		History: []imgspecv1.History{
			{CreatedBy: "ENV LAYERS_TEST=yes"},
			{CreatedBy: "WORKDIR /data"},
			{CreatedBy: "EXPOSE 8080/tcp"},
			{CreatedBy: `CMD ["cat","/data/app/file"]`},
		},
	}, nil
}

func distroSpec(opts Options) (*Spec, error) {
	if opts.Rootfs == "" {
		return nil, fmt.Errorf("distro image needs -rootfs DIR (a debootstrap'ed tree)")
	}
	return &Spec{
		Name: "distro",
		Tags: []string{"bookworm"},
		Layers: []Layer{{
			CreatedBy: "debootstrap --variant=minbase bookworm + iproute2 iperf3 curl procps socat",
			Build: func() ([]Entry, error) {
				entries, stats, err := EntriesFromDir(opts.Rootfs)
				if err != nil {
					return nil, err
				}
				logf("distro: %d entries from %s, skipped %d special files (e.g. %s)",
					stats.Entries, opts.Rootfs, stats.Skipped, strings.Join(stats.Examples, " "))
				return entries, nil
			},
		}},
		Config: imgspecv1.ImageConfig{
			Env:    []string{"PATH=" + defaultPath},
			Cmd:    []string{"bash"},
			Labels: map[string]string{labelPrefix + "image": "distro"},
		},
		History: []imgspecv1.History{{CreatedBy: `CMD ["bash"]`}},
	}, nil
}

// systemdSpec is the distro tree with systemd as PID 1 (-rootfs: the distro rootfs with systemd-sysv
// installed), for run --systemd.
func systemdSpec(opts Options) (*Spec, error) {
	if opts.Rootfs == "" {
		return nil, fmt.Errorf("systemd image needs -rootfs DIR (the distro tree with systemd-sysv)")
	}
	return &Spec{
		Name: "systemd",
		Tags: []string{"bookworm"},
		Layers: []Layer{{
			CreatedBy: "debootstrap --variant=minbase bookworm + systemd-sysv",
			Build: func() ([]Entry, error) {
				entries, _, err := EntriesFromDir(opts.Rootfs)
				return entries, err
			},
		}},
		Config: imgspecv1.ImageConfig{
			Env:        []string{"PATH=" + defaultPath},
			Cmd:        []string{"/sbin/init"},
			StopSignal: "SIGRTMIN+3",
			Labels:     map[string]string{labelPrefix + "image": "systemd"},
		},
		History: []imgspecv1.History{
			{CreatedBy: `HEALTHCHECK --interval=2s --retries=3 CMD ["systemctl","is-active","systemd-journald.service"]`},
			{CreatedBy: `CMD ["/sbin/init"]`},
		},
		// The image's HEALTHCHECK, which run honours (and --no-healthcheck drops).
		Healthcheck: &Healthcheck{Test: []string{"CMD", "systemctl", "is-active", "systemd-journald.service"},
			Interval: 2 * time.Second, Retries: 3},
	}, nil
}

// pseudoRandom returns n deterministic, incompressible bytes: SHA-256 in
// counter mode over seed. Stable across Go versions, unlike math/rand.
func pseudoRandom(n int, seed string) []byte {
	var buf bytes.Buffer
	buf.Grow(n + sha256.Size)
	h := sha256.Sum256([]byte(seed))
	for buf.Len() < n {
		buf.Write(h[:])
		h = sha256.Sum256(h[:])
	}
	return buf.Bytes()[:n]
}
