// Package podwire is what a container's lifecycle does for a pod: the pod a container belongs to
// (Config, recorded in the container's record), the checks and defaults of a member at create
// (Member), and at each start the namespaces a member joins (MemberSpec) and the catatonit an infra
// container runs (InfraSpec).
//
// A pod is a group of containers that share namespaces. Its infra container owns them: it has no image
// (an empty root file system into which catatonit, a static binary, is bound read-only at each start)
// and runs `catatonit -P`, which only waits. The pod's network, published ports, hostname, /etc/hosts
// and /etc/resolv.conf are the infra container's. A member joins the infra's namespaces at each start
// through /proc/PID/ns/X paths: the network through the network mode container:INFRA (which also
// binds the infra's /etc/hosts and /etc/resolv.conf), IPC, UTS (with the infra's /etc/hostname) and
// PID here. Package container starts the infra container before a member; package pods keeps the pod
// records.
//
// It belongs to the engine layer (test/layers): it may import the ground and services layers and
// container/netwire; it must not import package container (which imports it), the engine users (pods,
// view, …) or a front end.
package podwire
