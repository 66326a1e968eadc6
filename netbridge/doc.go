// Package netbridge gives rootless containers user-defined networks: containers on the same network
// reach each other by name, as with Podman's netavark and aardvark-dns, with no daemon.
//
// # Store
//
// Networks are records in the user's storage, <graphroot>/skiff/networks/NAME.json (Podman's field
// names), replaced by rename under the store's lock (package record). Subnets come from 10.89.0.0/16
// in /24s, skipping those of other networks and of the host's routes; the gateway is the first usable
// address. There is no default network: a container without --network NAME keeps the default
// rootless network (slirp4netns or pasta, package slirpnet).
//
// # The shared namespace
//
// The first container started on a network creates one network namespace per user, held by a bind
// mount at Dir()/netns in the user's mount namespace, with:
//   - a bridge per network in use (skiffbrN, the gateway address on it) and a veth per container and
//     network (ethN in the container, bridge side vs<ID>bN);
//   - one uplink, slirp4netns on tap0 (its --exit-fd is a pidfd of the helper, so it dies with it),
//     and nftables rules: masquerade out of tap0, no forwarding between bridges, none out of internal
//     networks. Without nft, forwarding is off: networks stay isolated but have no egress;
//   - the helper, the skiff binary re-executed as skiff-netbridge: a DNS responder (miekg/dns) on the
//     gateway of each network with members, answering A records for the names, aliases and IDs of that
//     network's members and forwarding other names to the host's resolvers, and the forwarder of
//     published TCP ports: it listens on the host and dials the container's address from inside the
//     namespace, so the container sees the gateway as the client's address (the source IP is not
//     kept; UDP ports are not forwarded yet).
//
// Dir()/state.json lists the members (the refcount) and the helpers by PID and start time.
//
// # What the container lifecycle does
//
//  1. At each start, while writing the spec: [Attach] with the networks. It creates the container's
//     own network namespace (Dir()/ns/ID, a bind-mounted nsfs file) with its veths, addresses and
//     default route, and returns its path for the spec's network namespace, plus hosts, resolv.conf
//     (nameserver = the gateway, search dns.skiff) and hostname to bind-mount.
//  2. In every clean-up of a run (stop, rm, the monitor's clean-up, repair): [Detach]. The last member
//     leaving stops the helper and the uplink and unmounts the shared namespace.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package netbridge
