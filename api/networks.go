package api

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"

	dnetwork "github.com/docker/docker/api/types/network"

	"github.com/skiffproject/skiff/container/netwire"
	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/netbridge"
)

// networkRoutes are the /networks endpoints, over skiff's bridge networks (netbridge).
func (s *Server) networkRoutes() []route {
	get, post, del := []string{http.MethodGet}, []string{http.MethodPost}, []string{http.MethodDelete}
	return []route{
		{get, "/networks", s.listNetworks},
		{get, "/networks/json", s.listNetworks},
		{post, "/networks/create", s.createNetwork},
		{post, "/networks/prune", s.pruneNetworks},
		{get, "/networks/{id}", s.inspectNetwork},
		{del, "/networks/{id}", s.removeNetwork},
		{post, "/networks/{id}/connect", s.connectNetwork},
		{post, "/networks/{id}/disconnect", s.disconnectNetwork},
	}
}

// networks opens the network store, which knows from the container engine which containers use a
// network.
func (s *Server) networks() (*netbridge.Store, error) {
	ns, err := netbridge.Open(s.opts.Store.GraphRoot())
	if err != nil {
		return nil, err
	}
	e := s.containers()
	ns.Users = func(name string) ([]string, error) { return view.NetworkUsers(e, name) }
	return ns, nil
}

// pathNetwork opens the network store and finds the network the request's path names.
func (s *Server) pathNetwork(r *http.Request) (*netbridge.Store, *netbridge.Network, error) {
	ns, err := s.networks()
	if err != nil {
		return nil, nil, err
	}
	n, err := getNetwork(ns, pathVar(r, "id"))
	return ns, n, err
}

// getNetwork finds a network by name or ID; Docker's "bridge" is skiff's default network, which
// `--network bridge` selects too.
func getNetwork(ns *netbridge.Store, nameOrID string) (*netbridge.Network, error) {
	if nameOrID == dnetwork.NetworkBridge || nameOrID == dnetwork.NetworkDefault {
		return ns.Default()
	}
	n, err := ns.Get(nameOrID)
	if err != nil {
		return nil, fmt.Errorf("network %s not found: %w", nameOrID, err)
	}
	return n, nil
}

// listNetworks answers GET /networks with Docker's filters: name, id, label, label!, driver (the
// network store's), and dangling, scope and type.
func (s *Server) listNetworks(w http.ResponseWriter, r *http.Request) error {
	args, err := filterArgs(r, "list networks", []string{"name", "id", "label", "label!", "driver", "dangling", "scope", "type"})
	if err != nil {
		return err
	}
	var specs []string
	for _, key := range []string{"name", "id", "label", "label!", "driver"} {
		for _, v := range args.Get(key) {
			specs = append(specs, key+"="+v)
		}
	}
	match, err := netbridge.CompileFilters(specs)
	if err != nil {
		return badParameter("list networks: %v", err)
	}
	ns, err := s.networks()
	if err != nil {
		return err
	}
	all, err := ns.List()
	if err != nil {
		return err
	}
	members := netbridge.Members()
	out := []dnetwork.Summary{}
	for _, n := range all {
		if !match(n) || !args.ExactMatch("scope", "local") || !args.ExactMatch("type", "custom") {
			continue
		}
		if args.Contains("dangling") {
			users, err := ns.Users(n.Name)
			if err != nil {
				return err
			}
			want := args.ExactMatch("dangling", "true") || args.ExactMatch("dangling", "1")
			if want != (len(users) == 0) {
				continue
			}
		}
		out = append(out, networkInspect(n, members))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// inspectNetwork answers GET /networks/{id}.
func (s *Server) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	_, n, err := s.pathNetwork(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, networkInspect(n, netbridge.Members()))
	return nil
}

// networkInspect is a network in Docker's shape; Containers lists the running members.
func networkInspect(n *netbridge.Network, members map[string]*netbridge.Member) dnetwork.Inspect {
	out := dnetwork.Inspect{
		Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
		EnableIPv4: true, EnableIPv6: n.IPv6Enabled, Internal: n.Internal, Attachable: true,
		IPAM:       dnetwork.IPAM{Driver: "default", Options: map[string]string{}, Config: []dnetwork.IPAMConfig{}},
		Containers: map[string]dnetwork.EndpointResource{},
		Options:    map[string]string{},
		Labels:     n.Labels,
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	for _, sn := range n.Subnets {
		out.IPAM.Config = append(out.IPAM.Config, dnetwork.IPAMConfig{Subnet: sn.Subnet, Gateway: sn.Gateway})
	}
	for id, m := range members {
		for _, ep := range m.Endpoints {
			if ep.Network != n.Name {
				continue
			}
			out.Containers[id] = dnetwork.EndpointResource{Name: m.Name, EndpointID: id[:min(len(id), 12)] + "-" + ep.Interface,
				MacAddress: ep.MAC, IPv4Address: fmt.Sprintf("%s/%d", ep.IP, ep.PrefixLen)}
		}
	}
	return out
}

// createNetwork answers POST /networks/create (201 {"Id": …}). What skiff's bridge networks cannot
// do (IPv6, other drivers, driver options, IP ranges) is refused with a 400 naming it.
func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req dnetwork.CreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o, err := networkCreateOptions(&req)
	if err != nil {
		return err
	}
	ns, err := s.networks()
	if err != nil {
		return err
	}
	n, err := ns.Create(o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, dnetwork.CreateResponse{ID: n.ID})
	return nil
}

// networkCreateOptions checks a create request and turns it into the network store's options.
func networkCreateOptions(req *dnetwork.CreateRequest) (netbridge.CreateOptions, error) {
	o := netbridge.CreateOptions{Name: req.Name, Driver: req.Driver, Internal: req.Internal, Labels: req.Labels}
	what := "create network " + req.Name
	switch {
	case req.Name == "":
		return o, badParameter("create network: no name given")
	case req.Driver != "" && req.Driver != netbridge.DriverBridge:
		return o, badParameter("%s: driver %q: skiff has the bridge driver only", what, req.Driver)
	case req.Scope != "" && req.Scope != "local":
		return o, badParameter("%s: scope %q: skiff's networks are local", what, req.Scope)
	case req.EnableIPv6 != nil && *req.EnableIPv6:
		return o, badParameter("%s: IPv6 is not supported by skiff's bridge networks", what)
	case req.EnableIPv4 != nil && !*req.EnableIPv4:
		return o, badParameter("%s: a network without IPv4 is not supported", what)
	case req.Ingress || req.ConfigOnly || req.ConfigFrom != nil:
		return o, badParameter("%s: ingress and config-only networks are swarm features skiff does not have", what)
	case len(req.Options) > 0:
		return o, badParameter("%s: driver options %v are not supported by skiff's bridge driver (it takes none)", what, mapKeys(req.Options))
	}
	if ipam := req.IPAM; ipam != nil {
		if ipam.Driver != "" && ipam.Driver != "default" {
			return o, badParameter("%s: IPAM driver %q: skiff has the default one only", what, ipam.Driver)
		}
		if len(ipam.Options) > 0 || len(ipam.Config) > 1 {
			return o, badParameter("%s: skiff takes one IPAM subnet and no IPAM options", what)
		}
		for _, c := range ipam.Config {
			if c.IPRange != "" || len(c.AuxAddress) > 0 {
				return o, badParameter("%s: IP ranges and auxiliary addresses are not supported: give a subnet and a gateway", what)
			}
			if ip, _, err := net.ParseCIDR(c.Subnet); err == nil && ip.To4() == nil {
				return o, badParameter("%s: subnet %s: IPv6 is not supported by skiff's bridge networks", what, c.Subnet)
			}
			if c.Gateway != "" && c.Subnet == "" {
				return o, badParameter("%s: a gateway needs a subnet", what)
			}
			o.Subnet, o.Gateway = c.Subnet, c.Gateway
		}
	}
	return o, nil
}

// removeNetwork answers DELETE /networks/{id} (204); a network in use is a 409.
func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	ns, n, err := s.pathNetwork(r)
	if err != nil {
		return err
	}
	if _, err := ns.Remove(n.Name, false); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pruneNetworks answers POST /networks/prune: every network no container uses, narrowed by label.
func (s *Server) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	specs, err := filterSpecs(r, "prune networks", []string{"label", "label!"})
	if err != nil {
		return err
	}
	ns, err := s.networks()
	if err != nil {
		return err
	}
	removed, err := ns.Prune(specs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dnetwork.PruneReport{NetworksDeleted: nonNilStrings(removed)})
	return nil
}

// connectNetwork answers POST /networks/{id}/connect: the container joins the network, with its
// aliases and IPv4 address, from its next start (skiff wires a container's networks when it starts).
func (s *Server) connectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req dnetwork.ConnectOptions
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Container == "" {
		return badParameter("connect to network: no container given")
	}
	_, n, err := s.pathNetwork(r)
	if err != nil {
		return err
	}
	nr := netbridge.Request{Network: n.Name}
	if ep := req.EndpointConfig; ep != nil {
		nr.Aliases = ep.Aliases
		if ep.IPAMConfig != nil {
			if ep.IPAMConfig.IPv6Address != "" || len(ep.IPAMConfig.LinkLocalIPs) > 0 {
				return badParameter("connect %s to network %s: IPv6 and link-local addresses are not supported", req.Container, n.Name)
			}
			nr.IP = ep.IPAMConfig.IPv4Address
		}
		if len(ep.Links) > 0 || len(ep.DriverOpts) > 0 || ep.MacAddress != "" {
			return badParameter("connect %s to network %s: links, driver options and MAC addresses are not supported", req.Container, n.Name)
		}
	}
	if err := s.containers().UpdateNetwork(r.Context(), req.Container, netwire.AddNetwork(nr)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// disconnectNetwork answers POST /networks/{id}/disconnect.
func (s *Server) disconnectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req dnetwork.DisconnectOptions
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Container == "" {
		return badParameter("disconnect from network: no container given")
	}
	_, n, err := s.pathNetwork(r)
	if err != nil {
		return err
	}
	if err := s.containers().UpdateNetwork(r.Context(), req.Container, netwire.RemoveNetwork(n.Name)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// mapKeys lists a map's keys, for messages.
func mapKeys(m map[string]string) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
