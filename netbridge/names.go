package netbridge

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/skiffproject/skiff/record"
	"github.com/skiffproject/skiff/slirpnet"
)

// writeNames writes hosts, resolv.conf and hostname for member m into o.FilesDir.
func writeNames(o AttachOptions, m *Member) (slirpnet.NameFiles, error) {
	f := slirpnet.NameFiles{
		Hosts: filepath.Join(o.FilesDir, "hosts"), ResolvConf: filepath.Join(o.FilesDir, "resolv.conf"),
		Hostname: filepath.Join(o.FilesDir, "hostname"),
	}
	hostname := o.Hostname
	if hostname == "" {
		hostname = o.ID[:12]
	}
	var hosts strings.Builder
	hosts.WriteString("127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost localhost.localdomain\n")
	for _, ah := range o.AddHosts {
		if name, ip, ok := strings.Cut(ah, ":"); ok {
			fmt.Fprintf(&hosts, "%s\t%s\n", ip, name)
		}
	}
	if len(m.Endpoints) > 0 {
		names := hostname
		if o.Name != "" && o.Name != hostname {
			names += " " + o.Name
		}
		fmt.Fprintf(&hosts, "%s\t%s\n", m.Endpoints[0].IP, names)
	}
	var rc strings.Builder
	search := append([]string{DNSDomain}, o.DNSSearch...)
	fmt.Fprintf(&rc, "search %s\n", strings.Join(search, " "))
	servers := o.DNS
	if len(servers) == 0 {
		for _, e := range m.Endpoints {
			servers = append(servers, e.Gateway)
		}
	}
	for _, sv := range servers {
		fmt.Fprintf(&rc, "nameserver %s\n", sv)
	}
	if len(o.DNSOptions) > 0 {
		fmt.Fprintf(&rc, "options %s\n", strings.Join(o.DNSOptions, " "))
	}
	for path, content := range map[string]string{f.Hosts: hosts.String(), f.ResolvConf: rc.String(), f.Hostname: hostname + "\n"} {
		if err := record.WriteFile(path, []byte(content), 0o644); err != nil {
			return f, err
		}
	}
	return f, nil
}
