package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containers/image/v5/types"
	"github.com/sirupsen/logrus"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/pods"
	"github.com/skiffproject/skiff/slirpnet"
	"github.com/skiffproject/skiff/volume/mountflag"
)

// PlayOptions are the flags of kube play.
type PlayOptions struct {
	// Replace removes pods of the same names first, with their containers.
	Replace bool
	// Network is every pod's network (--network and -p, parsed by the caller); the host ports the YAML
	// asks for are added to its ports.
	Network netwire.Options
	// NoStart leaves the pods created (--start=false).
	NoStart bool
	// TLSVerify false pulls over HTTP or without certificate checks; AuthFile holds the credentials.
	TLSVerify bool
	AuthFile  string
	// PullWriter gets the pull progress; CreateCommand is recorded with each pod and container.
	PullWriter    io.Writer
	CreateCommand []string
}

// PlayReport says what kube play made of one pod.
type PlayReport struct {
	Pod        string
	Containers []string
}

// Play creates (and starts) the pods of p. A pod that fails is removed again, with its containers.
func Play(ctx context.Context, pe *pods.Engine, p *Plan, o PlayOptions) ([]PlayReport, error) {
	var reports []PlayReport
	for i := range p.Pods {
		r, err := playPod(ctx, pe, p, &p.Pods[i], o)
		if err != nil {
			return reports, err
		}
		reports = append(reports, r)
	}
	return reports, nil
}

func playPod(ctx context.Context, pe *pods.Engine, plan *Plan, pod *Pod, o PlayOptions) (PlayReport, error) {
	name := pod.Metadata.Name
	network := o.Network
	network.Ports = slices.Clone(o.Network.Ports)
	for _, c := range pod.Spec.Containers {
		for _, port := range c.Ports {
			if port.HostPort == 0 {
				continue
			}
			proto := strings.ToLower(port.Protocol)
			if proto == "" {
				proto = "tcp"
			}
			if port.HostPort < 1 || port.HostPort > 65535 || port.ContainerPort < 1 || port.ContainerPort > 65535 || (proto != "tcp" && proto != "udp") {
				return PlayReport{}, fmt.Errorf("kube play: pod %s: container %s: port %d:%d/%s: want ports 1-65535 and protocol TCP or UDP", name, c.Name, port.HostPort, port.ContainerPort, port.Protocol)
			}
			network.Ports = append(network.Ports, slirpnet.PortMapping{HostIP: port.HostIP, HostPort: uint16(port.HostPort),
				ContainerPort: uint16(port.ContainerPort), Protocol: proto, Range: 1})
		}
		if c.Resources != nil && (len(c.Resources.Limits) > 0 || len(c.Resources.Requests) > 0) {
			logrus.Warnf("pod %s: container %s: resources are not enforced: skiff sets no cgroup limits on this host", name, c.Name)
		}
	}
	v, err := pe.Create(ctx, pods.CreateOptions{
		Name: name, Labels: pod.Metadata.Labels, Share: pods.DefaultShare, Infra: true, Hostname: pod.Spec.Hostname,
		Network: network, Replace: o.Replace, CreateCommand: o.CreateCommand,
	})
	if err != nil {
		return PlayReport{}, fmt.Errorf("kube play: pod %s: %w", name, err)
	}
	fail := func(err error) (PlayReport, error) {
		_, _ = pe.Remove(context.WithoutCancel(ctx), v.ID, pods.RemoveOptions{Force: true})
		return PlayReport{}, fmt.Errorf("kube play: pod %s: %w", name, err)
	}
	report := PlayReport{Pod: v.ID}
	e := pe.Containers()
	for _, c := range pod.Spec.Containers {
		co, err := createOptions(plan, pod, &c, o)
		if err != nil {
			return fail(err)
		}
		if co.Pod, err = pe.Join(v.ID); err != nil {
			return fail(err)
		}
		ctr, err := e.Create(ctx, co)
		if err != nil {
			return fail(fmt.Errorf("container %s: %w", c.Name, err))
		}
		report.Containers = append(report.Containers, ctr.ID)
	}
	if !o.NoStart {
		if _, err := pe.Start(ctx, v.ID); err != nil {
			return fail(err)
		}
	}
	return report, nil
}

// createOptions maps a container of pod to container.CreateOptions.
func createOptions(plan *Plan, pod *Pod, c *Container, o PlayOptions) (container.CreateOptions, error) {
	co := container.CreateOptions{
		Image: c.Image, Name: pod.Metadata.Name + "-" + c.Name, WorkingDir: c.WorkingDir,
		Pull: container.PullMissing, PullWriter: o.PullWriter, CreateCommand: o.CreateCommand,
		System: image.SystemOptions{AuthFile: o.AuthFile},
	}
	if !o.TLSVerify {
		co.System.SkipTLSVerify = types.OptionalBoolTrue
	}
	// command replaces the image's ENTRYPOINT, args its CMD.
	co.Command = c.Args
	if len(c.Command) > 0 {
		co.Entrypoint, co.EntrypointSet = append([]string{}, c.Command...), true
	}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		data, ok := plan.ConfigMaps[from.ConfigMapRef.Name]
		if !ok && !from.ConfigMapRef.Optional {
			return co, fmt.Errorf("container %s: envFrom: no ConfigMap %s in the YAML", c.Name, from.ConfigMapRef.Name)
		}
		for k, val := range data {
			co.Env = append(co.Env, k+"="+val)
		}
	}
	for _, ev := range c.Env {
		val := ev.Value
		if ev.ValueFrom != nil && ev.ValueFrom.ConfigMapKeyRef != nil {
			ref := ev.ValueFrom.ConfigMapKeyRef
			got, ok := plan.ConfigMaps[ref.Name][ref.Key]
			if !ok && !ref.Optional {
				return co, fmt.Errorf("container %s: env %s: no key %s in ConfigMap %s", c.Name, ev.Name, ref.Key, ref.Name)
			}
			if !ok {
				continue
			}
			val = got
		}
		co.Env = append(co.Env, ev.Name+"="+val)
	}
	var flags mountflag.Flags
	for _, m := range c.VolumeMounts {
		spec, err := volumeFlag(pod, m)
		if err != nil {
			return co, fmt.Errorf("container %s: %w", c.Name, err)
		}
		flags.Volumes = append(flags.Volumes, spec)
	}
	var err error
	if co.Mounts, _, err = mountflag.Parse(flags); err != nil {
		return co, fmt.Errorf("container %s: %w", c.Name, err)
	}
	return co, nil
}

// EmptyDirVolume is the named volume that holds emptyDir volume vol of pod: it lives as long as the pod
// (kube down removes it).
func EmptyDirVolume(pod, vol string) string { return pod + "-" + vol }

// volumeFlag is the -v value for mount m: hostPath SRC:DEST, persistentVolumeClaim CLAIM:DEST (a named
// volume, made on first use), emptyDir POD-NAME:DEST.
func volumeFlag(pod *Pod, m VolumeMount) (string, error) {
	var v *Volume
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == m.Name {
			v = &pod.Spec.Volumes[i]
		}
	}
	if v == nil {
		return "", fmt.Errorf("no volume %s", m.Name)
	}
	ro := m.ReadOnly
	var src string
	switch {
	case v.HostPath != nil:
		src = filepath.Clean(v.HostPath.Path)
		switch v.HostPath.Type {
		case "DirectoryOrCreate":
			if err := os.MkdirAll(src, 0o755); err != nil {
				return "", fmt.Errorf("hostPath %s: %w", src, err)
			}
		case "FileOrCreate":
			f, err := os.OpenFile(src, os.O_CREATE|os.O_RDONLY, 0o644)
			if err != nil {
				return "", fmt.Errorf("hostPath %s: %w", src, err)
			}
			f.Close()
		case "", "Directory", "File":
			if _, err := os.Stat(src); err != nil {
				return "", fmt.Errorf("hostPath %s: %w", src, err)
			}
		default:
			return "", fmt.Errorf("hostPath %s: type %s: %w", src, v.HostPath.Type, ErrUnsupported)
		}
	case v.PersistentVolumeClaim != nil:
		src = v.PersistentVolumeClaim.ClaimName
		ro = ro || v.PersistentVolumeClaim.ReadOnly
	case v.EmptyDir != nil:
		src = EmptyDirVolume(pod.Metadata.Name, v.Name)
	}
	spec := src + ":" + m.MountPath
	if ro {
		spec += ":ro"
	}
	return spec, nil
}

// DownReport says what kube down removed.
type DownReport struct {
	Stopped, Removed []string
	// Volumes are the emptyDir volumes that went with the pods.
	Volumes []string
}

// Down removes the pods of p, with their containers and emptyDir volumes. A pod that does not exist is
// skipped.
func Down(ctx context.Context, pe *pods.Engine, p *Plan, removeVolume func(name string) error) (DownReport, error) {
	var r DownReport
	var errs []error
	for _, pod := range p.Pods {
		v, err := pe.Remove(ctx, pod.Metadata.Name, pods.RemoveOptions{Force: true})
		if errors.Is(err, pods.ErrNoSuchPod) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.Stopped = append(r.Stopped, v.ID)
		r.Removed = append(r.Removed, v.ID)
		for _, vol := range pod.Spec.Volumes {
			if vol.EmptyDir == nil {
				continue
			}
			name := EmptyDirVolume(pod.Metadata.Name, vol.Name)
			if err := removeVolume(name); err != nil {
				errs = append(errs, err)
				continue
			}
			r.Volumes = append(r.Volumes, name)
		}
	}
	return r, errors.Join(errs...)
}
