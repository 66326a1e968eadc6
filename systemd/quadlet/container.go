package quadlet

import (
	"encoding/csv"
	"strings"

	"github.com/skiffproject/skiff/systemd"
	"github.com/skiffproject/skiff/systemd/notify"
)

// source resolves the source of a volume or a bind mount: a .volume file stands for its volume, which the
// unit then Requires; a path is made absolute and RequiresMountsFor.
func (t *translator) source(f *File, pos Pos, src string, svc *File) (string, error) {
	switch {
	case strings.HasPrefix(src, "."):
		src = absolute(f, src)
	case strings.HasSuffix(src, ".volume"):
		in, ok := t.infos[src]
		if !ok {
			return "", errorf(pos, "%s: no Quadlet file %s", src, src)
		}
		svc.add("Unit", "Requires", in.serviceFile())
		svc.add("Unit", "After", in.serviceFile())
		return in.resource, nil
	}
	if strings.HasPrefix(src, "/") {
		svc.add("Unit", "RequiresMountsFor", src)
	}
	return src, nil
}

// container translates a .container file: ExecStart= runs the container, ExecStop= removes it.
func (t *translator) container(in *info, svc *File) error {
	f, C := in.file, "Container"
	image, hasImage := f.Last(C, "Image")
	if !hasImage || image.Value == "" {
		return errorf(f.Section(C).Pos, "[Container] has no Image=")
	}
	name := containerName(f)
	if err := t.containerStop(f, name, svc); err != nil {
		return err
	}

	run, err := t.base(f, C)
	if err != nil {
		return err
	}
	run.add("run", "--name", name, "--replace", "--rm")
	if v := f.Get(C, "LogDriver"); v != "" {
		run.add("--log-driver", v)
	}
	svc.add("Service", "Delegate", "yes")
	if err := containerNotify(f, svc, run); err != nil {
		return err
	}

	for _, kv := range [][2]string{
		{"HostName", "--hostname"}, {"WorkingDir", "--workdir"}, {"Entrypoint", "--entrypoint"},
		{"StopSignal", "--stop-signal"}, {"StopTimeout", "--stop-timeout"}, {"Pull", "--pull"},
		{"UserNS", "--userns"}, {"IP", "--ip"},
	} {
		if v := f.Get(C, kv[0]); v != "" {
			run.add(kv[1], v)
		}
	}
	if err := containerSecurity(f, run); err != nil {
		return err
	}
	if err := containerUser(f, run); err != nil {
		return err
	}
	if err := t.containerVolumes(f, svc, run); err != nil {
		return err
	}
	ports := values(f, C, "PublishPort")
	for _, p := range ports {
		run.add("--publish", p)
	}
	env, err := keyValues(f, C, "Environment")
	if err != nil {
		return err
	}
	for _, e := range env {
		run.add("--env", e)
	}
	labels, err := keyValues(f, C, "Label")
	if err != nil {
		return err
	}
	for _, l := range labels {
		run.add("--label", l)
	}
	for _, p := range values(f, C, "EnvironmentFile") {
		run.add("--env-file", absolute(f, p))
	}
	for _, e := range f.All(C, "Mount") {
		m, err := t.mount(f, e, svc)
		if err != nil {
			return err
		}
		run.add("--mount", m)
	}
	for _, u := range values(f, C, "Ulimit") {
		run.add("--ulimit", u)
	}
	if err := t.containerPod(in, len(ports) > 0, svc, run); err != nil {
		return err
	}
	if err := t.networks(f, C, svc, run); err != nil {
		return err
	}
	for _, a := range values(f, C, "NetworkAlias") {
		run.add("--network-alias", a)
	}
	if err := passArgs(f, C, run); err != nil {
		return err
	}
	run.add(image.Value)
	if e, ok := f.Last(C, "Exec"); ok {
		args, err := systemd.SplitCommand(e.Value)
		if err != nil {
			return errorf(e.Pos, "Exec=: %v", err)
		}
		run.add(args...)
	}
	svc.add("Service", "ExecStart", run.String())
	return nil
}

// containerStop sets how the container's unit stops: KillMode=, ExecStop= and ExecStopPost= removing the
// container, and ExecReload=.
func (t *translator) containerStop(f *File, name string, svc *File) error {
	svc.add("Service", "Environment", systemd.EnvUnit+"=%n")
	if e, ok := f.Last("Service", "KillMode"); ok {
		if e.Value != "mixed" && e.Value != "control-group" {
			return errorf(e.Pos, "KillMode=%s: want mixed or control-group", e.Value)
		}
	} else {
		svc.set("Service", "KillMode", "mixed")
	}
	// If the monitor died without removing the container, remove it; -i (--ignore) copes with a removed one.
	// ExecStopPost runs also when the main process was killed and ExecStop did not.
	stop, err := t.base(f, "Container")
	if err != nil {
		return err
	}
	stop.add("rm", "-v", "-f", "-i", name)
	svc.add("Service", "ExecStop", stop.String())
	svc.add("Service", "ExecStopPost", "-"+stop.String())
	return t.reload(f, name, svc)
}

// containerNotify sets Type= (notify unless the unit is a oneshot) and how the unit learns that the
// container is ready (Notify=), and the default SyslogIdentifier=.
func containerNotify(f *File, svc *File, run *command) error {
	C := "Container"
	typ, err := serviceType(f, "notify", "oneshot")
	if err != nil {
		return err
	}
	if typ != "oneshot" {
		e, _ := f.Last(C, "Notify")
		switch strings.ToLower(e.Value) {
		case "healthy":
			return errorf(e.Pos, "Notify=healthy is not supported by skiff: it has no health checks")
		}
		fromContainer, err := f.Bool(C, "Notify", false)
		if err != nil {
			return err
		}
		if fromContainer {
			run.add("--sdnotify=" + notify.ModeContainer)
		} else {
			run.add("--sdnotify=" + notify.ModeConmon)
		}
		svc.set("Service", "Type", "notify")
		svc.set("Service", "NotifyAccess", "all")
		run.add("-d")
	}
	if _, ok := f.Last("Service", "SyslogIdentifier"); !ok {
		svc.set("Service", "SyslogIdentifier", "%N")
	}
	return nil
}

// containerSecurity adds the flags of RunInit=, the security options, the capabilities, ReadOnly=,
// VolatileTmp= and Tmpfs=.
func containerSecurity(f *File, run *command) error {
	C := "Container"
	if err := boolFlag(f, C, "RunInit", "--init", run); err != nil {
		return err
	}
	if nnp, err := f.Bool(C, "NoNewPrivileges", false); err != nil {
		return err
	} else if nnp {
		run.add("--security-opt=no-new-privileges")
	}
	if v := f.Get(C, "SeccompProfile"); v != "" {
		run.add("--security-opt", "seccomp="+v)
	}
	if off, err := f.Bool(C, "SecurityLabelDisable", false); err != nil {
		return err
	} else if off {
		run.add("--security-opt", "label=disable")
	}
	for _, c := range words(f, C, "DropCapability") {
		run.add("--cap-drop", strings.ToLower(c))
	}
	for _, c := range words(f, C, "AddCapability") {
		run.add("--cap-add", strings.ToLower(c))
	}
	if err := boolFlag(f, C, "ReadOnly", "--read-only", run); err != nil {
		return err
	}
	readOnly, _ := f.Bool(C, "ReadOnly", false)
	if volatile, err := f.Bool(C, "VolatileTmp", false); err != nil {
		return err
	} else if volatile && !readOnly {
		run.add("--tmpfs", "/tmp:rw,size=512M,mode=1777")
	}
	for _, v := range values(f, C, "Tmpfs") {
		run.add("--tmpfs", v)
	}
	return nil
}

// containerUser adds the flags of User=, Group=, UIDMap=, GIDMap= and GroupAdd=.
func containerUser(f *File, run *command) error {
	C := "Container"
	user, group := f.Get(C, "User"), f.Get(C, "Group")
	switch {
	case user != "" && group != "":
		run.add("--user", user+":"+group)
	case user != "":
		run.add("--user", user)
	case group != "":
		e, _ := f.Last(C, "Group")
		return errorf(e.Pos, "Group= needs User=")
	}
	for _, m := range words(f, C, "UIDMap") {
		run.add("--uidmap", m)
	}
	for _, m := range words(f, C, "GIDMap") {
		run.add("--gidmap", m)
	}
	for _, g := range words(f, C, "GroupAdd") {
		run.add("--group-add", g)
	}
	return nil
}

// containerVolumes adds a -v for each Volume=, its source resolved.
func (t *translator) containerVolumes(f *File, svc *File, run *command) error {
	for _, e := range f.All("Container", "Volume") {
		parts := strings.SplitN(e.Value, ":", 3)
		if len(parts) == 1 {
			run.add("-v", e.Value)
			continue
		}
		src, err := t.source(f, e.Pos, parts[0], svc)
		if err != nil {
			return err
		}
		parts[0] = src
		run.add("-v", strings.Join(parts, ":"))
	}
	return nil
}

// containerPod puts the container in the pod of Pod= (a .pod file): the unit is bound to the pod's, and
// the pod's unit starts it unless StartWithPod=false. A container in a pod publishes no ports.
func (t *translator) containerPod(in *info, publishes bool, svc *File, run *command) error {
	f, C := in.file, "Container"
	e, ok := f.Last(C, "Pod")
	if !ok || e.Value == "" {
		return nil
	}
	if !strings.HasSuffix(e.Value, ".pod") {
		return errorf(e.Pos, "Pod=%s: name a .pod Quadlet file", e.Value)
	}
	pod, ok := t.infos[e.Value]
	if !ok {
		return errorf(e.Pos, "Pod=%s: no Quadlet file %s", e.Value, e.Value)
	}
	if publishes {
		p, _ := f.Last(C, "PublishPort")
		return errorf(p.Pos, "PublishPort= in a container of pod %s: the pod owns the ports (hint: move it to %s)", e.Value, e.Value)
	}
	run.add("--pod", pod.resource)
	svc.add("Unit", "BindsTo", pod.serviceFile())
	svc.add("Unit", "After", pod.serviceFile())
	start, err := f.Bool(C, "StartWithPod", true)
	if err != nil {
		return err
	}
	if start {
		pod.members = append(pod.members, in.serviceFile())
	}
	return nil
}

// reload adds ExecReload= for ReloadCmd= (run in the container) or ReloadSignal= (sent to it).
func (t *translator) reload(f *File, name string, svc *File) error {
	cmd, hasCmd := f.Last("Container", "ReloadCmd")
	sig, hasSig := f.Last("Container", "ReloadSignal")
	hasCmd, hasSig = hasCmd && cmd.Value != "", hasSig && sig.Value != ""
	if !hasCmd && !hasSig {
		return nil
	}
	if hasCmd && hasSig {
		return errorf(sig.Pos, "ReloadCmd= and ReloadSignal= exclude each other")
	}
	c, err := t.base(f, "Container")
	if err != nil {
		return err
	}
	if hasCmd {
		args, err := systemd.SplitCommand(cmd.Value)
		if err != nil {
			return errorf(cmd.Pos, "ReloadCmd=: %v", err)
		}
		c.add("exec", name)
		c.add(args...)
	} else {
		c.add("kill", "-s", sig.Value, name)
	}
	svc.add("Service", "ExecReload", c.String())
	return nil
}

// mount resolves the source of a Mount= of type bind or volume.
func (t *translator) mount(f *File, e Entry, svc *File) (string, error) {
	r := csv.NewReader(strings.NewReader(e.Value))
	fields, err := r.Read()
	if err != nil {
		return "", errorf(e.Pos, "Mount=%s: %v", e.Value, err)
	}
	typ := ""
	for _, fl := range fields {
		if k, v, _ := strings.Cut(fl, "="); k == "type" {
			typ = v
		}
	}
	if typ != "bind" && typ != "volume" {
		return e.Value, nil
	}
	for i, fl := range fields {
		k, v, _ := strings.Cut(fl, "=")
		if k != "source" && k != "src" {
			continue
		}
		src, err := t.source(f, e.Pos, v, svc)
		if err != nil {
			return "", err
		}
		fields[i] = k + "=" + src
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.Write(fields); err != nil {
		return "", errorf(e.Pos, "Mount=%s: %v", e.Value, err)
	}
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n"), nil
}
