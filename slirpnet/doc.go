// Package slirpnet is skiff's rootless network layer: it parses --network and -p, connects a
// container's network namespace to the outside through slirp4netns or pasta, publishes ports so that
// the container sees who is calling, writes the container's /etc/hosts, /etc/resolv.conf and
// /etc/hostname, and renders ports the way ps, port and inspect show them.
//
// # Drivers
//
// Package slirp4netns and package pasta run the two helpers; this package decides what to run and
// routes each published port (see planPorts):
//
//   - slirp4netns (the default, see BuiltinDefault) publishes IPv4 ports itself through its API
//     socket, so a client on another host keeps its address. libslirp shows clients on the host's
//     loopback as the gateway (10.0.2.2) and drops their UDP, so ports bound to a loopback address
//     go to the network keeper instead, which connects from the namespace's own loopback, and the
//     keeper also relays UDP from the loopback for wildcard ports. port_handler=rootlesskit sends every
//     port to rootlesskit's builtin driver in the keeper (faster; the container sees its own address).
//   - pasta publishes ports itself (-t/-u) and keeps every client's address; the keeper relays UDP
//     from the host's loopback (pasta 2023-03-09 loses the replies) and stops pasta when the
//     container exits.
//
// # Lifetime: what the container lifecycle does
//
// The CLI that starts a container exits; the helpers must not, and must die with the container. No
// process has to hold any file descriptor for that:
//
//  1. Before creating a container whose Mode.NewNetNS is true, call ProbeNetNS: it fails in one line
//     naming --network host when the user may not create network namespaces.
//  2. Write the names files with WriteNames (at create; bind-mount them at /etc/hosts,
//     /etc/resolv.conf and /etc/hostname). For container:X, bind X's files instead.
//  3. After `runtime create` and before `runtime start`, call Setup with the init's PID and
//     /proc/PID/ns/net; store Network.Ports() in the container's record (inspect, ps, port read it
//     from there with InspectPorts, PortsColumn, PortLines and LookupPort). On error, delete the
//     container: nothing of the network is left running. A taken port fails with
//     `publish 127.0.0.1:18080/tcp: address already in use` (errors.Is syscall.EADDRINUSE): exit 125.
//  4. On stop, rm and in the clean-up after the container exited, call Teardown(runDir). It is
//     idempotent and works from any process. A later start calls Setup again, which picks new random
//     ports.
//
// Should step 4 never happen (a killed monitor, a reboot of the user session), the helpers still go:
// slirp4netns gets a pidfd of the container's init as its --exit-fd (a pidfd reports POLLHUP once
// its process is reaped), and the keeper, which watches the same pidfd, stops pasta. Each helper is
// recorded in RunDir/net/network.json by PID and start time, so Teardown never signals a recycled PID.
//
// # Measurements
//
// iperf3, rootless (skiff-test), iperf3 -s inside the namespace or on the host's 127.0.0.1, 2 vCPUs
// shared with other work: medians of six 5–8 s runs (spread in brackets), Gbit/s.
//
//	                                       host→published        container→host (gateway)
//	slirp4netns, -p 127.0.0.1:P (keeper)   7.4 (3.8–10.4)        1.9 (1.5–2.3)
//	slirp4netns, -p P (its API)            4.0 (2.6–4.6)         2.0 (1.5–2.5)
//	slirp4netns, port_handler=rootlesskit  6.7 (6.1–10.9)        2.0 (1.7–2.3)
//	pasta, -p 127.0.0.1:P                  9.1 (5.1–10.0)        3.1 (0.1–4.1)
//	pasta, -p P                            8.1 (4.7–9.8)         2.7 (0.2–4.8)
//	podman 4.3.1 (4 runs, same stack as    5.4 (4.3–6.3)         1.8 (1.6–2.1)
//	port_handler=rootlesskit)
//
// pasta is faster both ways (though two of its twelve container→host runs collapsed to 0.1–0.2), but
// see BuiltinDefault for why it is not the default here.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package slirpnet
