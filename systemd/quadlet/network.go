package quadlet

import "strings"

// networks adds --network for each Network=, resolving .network and .container files.
func (t *translator) networks(f *File, section string, svc *File, c *command) error {
	for _, e := range f.All(section, "Network") {
		name, opts, hasOpts := strings.Cut(e.Value, ":")
		isNet, isCtr := strings.HasSuffix(name, ".network"), strings.HasSuffix(name, ".container")
		v := e.Value
		if isNet || isCtr {
			in, ok := t.infos[name]
			if !ok {
				return errorf(e.Pos, "Network=%s: no Quadlet file %s", e.Value, name)
			}
			if in.resource == "" {
				return errorf(e.Pos, "Network=%s: the name of %s depends on the instance", e.Value, name)
			}
			svc.add("Unit", "Requires", in.serviceFile())
			svc.add("Unit", "After", in.serviceFile())
			switch {
			case isCtr && hasOpts:
				return errorf(e.Pos, "Network=%s: joining another container's network takes no options", e.Value)
			case isCtr:
				v = "container:" + in.resource
			case hasOpts:
				v = in.resource + ":" + opts
			default:
				v = in.resource
			}
		}
		c.add("--network", v)
	}
	return nil
}

// network translates a .network file into a oneshot unit that creates the network.
func (t *translator) network(in *info, svc *File) error {
	f, N := in.file, "Network"
	if del, err := f.Bool(N, "NetworkDeleteOnStop", false); err != nil {
		return err
	} else if del {
		rm, err := t.base(f, N)
		if err != nil {
			return err
		}
		rm.add("network", "rm", in.resource)
		svc.add("Service", "ExecStopPost", rm.String())
	}
	c, err := t.base(f, N)
	if err != nil {
		return err
	}
	c.add("network", "create", "--ignore")
	if err := boolFlag(f, N, "Internal", "--internal", c); err != nil {
		return err
	}
	if v := f.Get(N, "Driver"); v != "" {
		c.add("--driver", v)
	}
	subnets, gateways := f.All(N, "Subnet"), f.All(N, "Gateway")
	if len(gateways) > len(subnets) {
		return errorf(gateways[len(subnets)].Pos, "Gateway= without a Subnet= of its own")
	}
	for i, s := range subnets {
		c.add("--subnet", s.Value)
		if i < len(gateways) {
			c.add("--gateway", gateways[i].Value)
		}
	}
	labels, err := keyValues(f, N, "Label")
	if err != nil {
		return err
	}
	for _, l := range labels {
		c.add("--label", l)
	}
	if err := passArgs(f, N, c); err != nil {
		return err
	}
	c.add(in.resource)
	svc.add("Service", "ExecStart", c.String())
	return oneshot(f, svc)
}
