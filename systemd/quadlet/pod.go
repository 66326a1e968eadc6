package quadlet

import (
	"sort"

	"github.com/skiffproject/skiff/systemd"
)

// pod translates a .pod file: ExecStartPre= creates the pod, ExecStart= starts it, and the containers
// with StartWithPod= are wanted by it.
func (t *translator) pod(in *info, svc *File) error {
	f, P := in.file, "Pod"
	sort.Strings(in.members)
	for _, m := range in.members {
		svc.add("Unit", "Wants", m)
		svc.add("Unit", "Before", m)
	}
	if _, ok := f.Last("Service", "SyslogIdentifier"); !ok {
		svc.set("Service", "SyslogIdentifier", "%N")
	}
	if _, err := serviceType(f, "forking"); err != nil {
		return err
	}
	start, err := t.base(f, P)
	if err != nil {
		return err
	}
	start.add("pod", "start", in.resource)
	svc.add("Service", "ExecStart", start.String())
	stop, err := t.base(f, P)
	if err != nil {
		return err
	}
	stop.add("pod", "stop", "--ignore", "-t", "10", in.resource)
	svc.add("Service", "ExecStop", stop.String())
	rm, err := t.base(f, P)
	if err != nil {
		return err
	}
	rm.add("pod", "rm", "--ignore", "-f", in.resource)
	svc.add("Service", "ExecStopPost", rm.String())

	create, err := t.base(f, P)
	if err != nil {
		return err
	}
	create.add("pod", "create", "--infra-conmon-pidfile=%t/%N.pid", "--replace")
	for _, p := range values(f, P, "PublishPort") {
		create.add("--publish", p)
	}
	labels, err := keyValues(f, P, "Label")
	if err != nil {
		return err
	}
	for _, l := range labels {
		create.add("--label", l)
	}
	if err := t.networks(f, P, svc, create); err != nil {
		return err
	}
	for _, kv := range [][2]string{{"AddHost", "--add-host"}, {"DNS", "--dns"}, {"HostName", "--hostname"}} {
		for _, v := range values(f, P, kv[0]) {
			create.add(kv[1], v)
		}
	}
	create.add("--infra-name", in.resource+"-infra", "--name", in.resource)
	if err := passArgs(f, P, create); err != nil {
		return err
	}
	svc.add("Service", "ExecStartPre", create.String())
	svc.add("Service", "Environment", systemd.EnvUnit+"=%n")
	svc.set("Service", "Type", "forking")
	svc.set("Service", "Restart", "on-failure")
	svc.set("Service", "PIDFile", "%t/%N.pid")
	return nil
}
