package spec

import (
	"fmt"
	"strings"
)

// ipcSysctls are the IPC namespace's sysctls (Podman's list, from the kernel's ipc namespace).
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// checkSysctls accepts only sysctls of a namespace the container has of its own, as Podman does: the
// IPC ones and fs.mqueue.* with a private IPC namespace, net.* with a private network namespace,
// kernel.hostname and kernel.domainname with a private UTS namespace.
func checkSysctls(o *Options) error {
	for k := range o.Sysctls {
		own := func(ns string) bool { return ns == "" || ns == "private" }
		var ok bool
		var which, mode string
		switch {
		case ipcSysctls[k] || strings.HasPrefix(k, "fs.mqueue."):
			ok, which, mode = own(o.Namespaces.IPC), "IPC", o.Namespaces.IPC
		case strings.HasPrefix(k, "net."):
			ok, which, mode = own(o.Namespaces.Net), "network", o.Namespaces.Net
		case k == "kernel.hostname" || k == "kernel.domainname":
			ok, which, mode = own(o.Namespaces.UTS), "UTS", o.Namespaces.UTS
		default:
			return fmt.Errorf("sysctl %q is not allowed: only namespaced sysctls (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*, kernel.hostname, kernel.domainname) can be set in a container", k)
		}
		if !ok {
			return fmt.Errorf("sysctl %q is not allowed: the container shares the %s namespace (%s)", k, which, mode)
		}
	}
	return nil
}
