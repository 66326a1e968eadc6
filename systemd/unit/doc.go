// Package unit writes systemd service units for skiff containers and pods (`skiff generate systemd`), laid
// out as Podman's `podman generate systemd` lays them out.
//
// Two forms exist:
//   - with Options.New the unit creates the container when it starts and removes it when it stops
//     (`skiff run --cidfile=%t/%n.ctr-id --rm --sdnotify=conmon -d --replace …`, Type=notify): the
//     recommended form, which needs the container's create command line;
//   - without, the unit starts and stops an existing container (`skiff start NAME`, Type=forking with the
//     monitor's PID file).
//
// A pod gives one unit for the pod, which Wants= and comes Before= its members, and one per member, which is
// BindsTo= and After= the pod's unit.
//
// The package knows nothing of skiff's state: the caller fills Container and Pod from it.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package unit
