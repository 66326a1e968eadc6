package api

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	dsystem "github.com/docker/docker/api/types/system"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/system"
)

func (s *Server) systemRoutes() []route {
	return []route{
		{[]string{http.MethodGet, http.MethodHead}, "/_ping", s.ping},
		{[]string{http.MethodGet}, "/version", s.version},
		{[]string{http.MethodGet}, "/info", s.info},
	}
}

// ping answers /_ping with the headers clients negotiate with: the API version (docker CLI and compose
// then use that version in their paths), the OS type and the builder version (1: the classic builder).
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("API-Version", APIVersion)
	h.Set("OSType", runtime.GOOS)
	h.Set("Builder-Version", "1")
	h.Set("Docker-Experimental", "false")
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodHead {
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	_, err := fmt.Fprint(w, "OK")
	return err
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) error {
	v := s.opts.Version
	kernel := kernelVersion()
	details := map[string]string{"ApiVersion": APIVersion, "MinAPIVersion": MinAPIVersion, "GitCommit": v.GitCommit,
		"GoVersion": v.GoVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH, "KernelVersion": kernel, "BuildTime": v.BuiltTime}
	writeJSON(w, http.StatusOK, types.Version{
		Platform:      struct{ Name string }{Name: "skiff"},
		Components:    []types.ComponentVersion{{Name: "skiff", Version: v.Version, Details: details}},
		Version:       v.Version,
		APIVersion:    APIVersion,
		MinAPIVersion: MinAPIVersion,
		GitCommit:     v.GitCommit,
		GoVersion:     v.GoVersion,
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		KernelVersion: kernel,
		BuildTime:     v.BuiltTime,
	})
	return nil
}

// info answers /info from skiff's own report (system.GetInfo) and the store's counts.
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	e := s.containers()
	si, err := system.GetInfo(s.opts.Store, system.Options{Runtime: s.opts.Engine.Runtime, LogDriver: container.DefaultLogDriver, Version: s.opts.Version})
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	all, err := e.All()
	if err != nil {
		return fmt.Errorf("info: list containers: %w", err)
	}
	images, err := s.opts.Store.Images()
	if err != nil {
		return fmt.Errorf("info: list images: %w", err)
	}
	h := si.Host
	info := dsystem.Info{
		ID:                 "skiff",
		Containers:         len(all),
		Images:             len(images),
		Driver:             si.Store.GraphDriverName,
		LoggingDriver:      h.LogDriver,
		CgroupDriver:       h.CgroupManager,
		CgroupVersion:      strings.TrimPrefix(h.CgroupsVersion, "v"),
		KernelVersion:      h.Kernel,
		OperatingSystem:    h.Distribution.Distribution + " " + h.Distribution.Version,
		OSVersion:          h.Distribution.Version,
		OSType:             runtime.GOOS,
		Architecture:       runtimeArch(),
		NCPU:               h.CPUs,
		MemTotal:           h.MemTotal,
		DockerRootDir:      si.Store.GraphRoot,
		Name:               h.Hostname,
		ServerVersion:      s.opts.Version.Version,
		DefaultRuntime:     h.OCIRuntime.Name,
		Runtimes:           map[string]dsystem.RuntimeWithStatus{},
		SystemTime:         time.Now().Format(time.RFC3339Nano),
		NGoroutines:        runtime.NumGoroutine(),
		NFd:                openFDs(),
		IPv4Forwarding:     true,
		SecurityOptions:    []string{"name=seccomp,profile=default"},
		HTTPProxy:          os.Getenv("HTTP_PROXY"),
		HTTPSProxy:         os.Getenv("HTTPS_PROXY"),
		NoProxy:            os.Getenv("NO_PROXY"),
		Labels:             []string{},
		CDISpecDirs:        []string{"/etc/cdi", "/var/run/cdi"},
		IndexServerAddress: "https://index.docker.io/v1/",
	}
	if h.Security.Rootless {
		info.SecurityOptions = append(info.SecurityOptions, "name=rootless")
	}
	if h.OCIRuntime.Name != "" {
		info.Runtimes[h.OCIRuntime.Name] = dsystem.RuntimeWithStatus{Runtime: dsystem.Runtime{Path: h.OCIRuntime.Path}}
	}
	info.DriverStatus = [][2]string{{"Backing Filesystem", si.Store.GraphStatus["Backing Filesystem"]}}
	for _, c := range all {
		switch c.State.Status {
		case container.StatusRunning, container.StatusStopping:
			info.ContainersRunning++
		case container.StatusPaused:
			info.ContainersPaused++
		default:
			info.ContainersStopped++
		}
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

// runtimeArch returns the architecture as Docker's info names it (x86_64, aarch64).
func runtimeArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}
