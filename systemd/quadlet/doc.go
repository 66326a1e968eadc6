// Package quadlet translates Quadlet files, Podman's declarative description of containers, pods, volumes
// and networks (podman-systemd.unit(5)), into systemd service units that run them with skiff.
//
// A file web.container becomes web.service, which runs `skiff run --name systemd-web --replace --rm
// --sdnotify=conmon -d …` (Type=notify) and removes the container when it stops; p.pod becomes
// p-pod.service, which creates the pod, Wants= its member containers (Pod=p.pod) and is BindsTo= by them;
// data.volume and net.network become oneshot units (data-volume.service, net-network.service) that create
// the volume and the network, and that the containers using them Require=. [Unit], [Service] and [Install]
// are copied into the unit; the Quadlet section is kept as [X-Container] (and so on), which systemd ignores.
//
// Every key of a Quadlet section is checked: a key Podman documents that skiff does not translate, and a key
// nobody knows, are errors that name the file and the line. The translation itself is pure: Dirs, Find and
// Load find and read the files, Translate turns them into units and Write installs units as a systemd
// generator does.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package quadlet
