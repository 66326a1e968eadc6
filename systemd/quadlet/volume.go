package quadlet

import "strings"

// oneshot makes svc a unit that creates something and stays active.
func oneshot(f, svc *File) error {
	if _, err := serviceType(f, "oneshot"); err != nil {
		return err
	}
	if _, ok := f.Last("Service", "SyslogIdentifier"); !ok {
		svc.set("Service", "SyslogIdentifier", "%N")
	}
	svc.set("Service", "Type", "oneshot")
	if _, ok := f.Last("Service", "RemainAfterExit"); !ok {
		svc.set("Service", "RemainAfterExit", "yes")
	}
	return nil
}

// volume translates a .volume file into a oneshot unit that creates the volume.
func (t *translator) volume(in *info, svc *File) error {
	f, V := in.file, "Volume"
	c, err := t.base(f, V)
	if err != nil {
		return err
	}
	c.add("volume", "create", "--ignore")
	if v := f.Get(V, "Driver"); v != "" {
		c.add("--driver", v)
	}
	var o []string
	for _, k := range []string{"User", "Group"} {
		e, ok := f.Last(V, k)
		if !ok {
			continue
		}
		if strings.Trim(e.Value, "0123456789") != "" || e.Value == "" {
			return errorf(e.Pos, "%s=%s: want a numeric ID", k, e.Value)
		}
		o = append(o, map[string]string{"User": "uid=", "Group": "gid="}[k]+e.Value)
	}
	device, hasDevice := f.Last(V, "Device")
	if hasDevice && device.Value != "" {
		c.add("--opt", "device="+device.Value)
	}
	if e, ok := f.Last(V, "Type"); ok && e.Value != "" {
		if !hasDevice {
			return errorf(e.Pos, "Type= needs Device=")
		}
		c.add("--opt", "type="+e.Value)
		if e.Value == "bind" {
			svc.add("Unit", "RequiresMountsFor", device.Value)
		}
	}
	if e, ok := f.Last(V, "Options"); ok && e.Value != "" {
		if !hasDevice {
			return errorf(e.Pos, "Options= needs Device=")
		}
		o = append(o, e.Value)
	}
	if len(o) > 0 {
		c.add("--opt", "o="+strings.Join(o, ","))
	}
	labels, err := keyValues(f, V, "Label")
	if err != nil {
		return err
	}
	for _, l := range labels {
		c.add("--label", l)
	}
	if err := passArgs(f, V, c); err != nil {
		return err
	}
	c.add(in.resource)
	svc.add("Service", "ExecStart", c.String())
	return oneshot(f, svc)
}
