// Package pods groups containers that share namespaces, as Podman's pods do: create, ps, inspect, start,
// stop, restart, kill, pause, unpause, rm, prune, top, logs and exists, and the --pod flag of create and run.
//
// A pod is a record in the user's storage, <graphroot>/pods/<ID>.json (name, labels, shared namespaces,
// hostname, the command line), plus containers whose records name the pod (container.Config.Pod).
// Membership lives in the container records only, so a container and its pod never disagree about it,
// and a pod's state is computed from its containers' states with Podman's rules (Status).
//
// By default a pod has an infra container that owns the namespaces its members share (ipc, net and uts;
// --share adds pid). It needs no image: package container creates it with an empty root file system
// and binds catatonit in at each start (see container/podwire). The pod's network, published ports,
// hostname, --add-host and --dns are the infra container's; a member's own -p or --network is refused.
// Starting a member starts the infra container first; pod stop stops the members, then the infra
// container; pod rm refuses running containers without --force and removes the members, the infra
// container and then the record, so an interrupted rm can be run again.
//
// Locking: creating and removing pods hold the store's lock; everything else takes only the locks of
// the containers it changes, one at a time, through package container.
//
// It belongs to the engine users layer (test/layers): it may import the engine and the layers below it;
// it must not import a front end (cmd/…, api/).
package pods
