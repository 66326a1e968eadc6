package netbridge

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestCreateAllocatesSubnets(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, hostNet, _ := net.ParseCIDR("10.89.1.0/24")
	routes := []*net.IPNet{hostNet}
	a, err := s.Create(CreateOptions{Name: "app", HostRoutes: routes})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(CreateOptions{Name: "other", HostRoutes: routes, Internal: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Subnets[0]; got.Subnet != "10.89.0.0/24" || got.Gateway != "10.89.0.1" || a.NetworkInterface != "skiffbr0" {
		t.Errorf("app = %+v %s", got, a.NetworkInterface)
	}
	if got := b.Subnets[0]; got.Subnet != "10.89.2.0/24" || b.NetworkInterface != "skiffbr1" {
		t.Errorf("other = %+v %s (10.89.1.0/24 is a host route)", got, b.NetworkInterface)
	}
	if _, err := s.Create(CreateOptions{Name: "app"}); !errors.Is(err, ErrExists) {
		t.Errorf("create app again: %v", err)
	}
	if n, err := s.Create(CreateOptions{Name: "app", Ignore: true}); err != nil || n.ID != a.ID {
		t.Errorf("create --ignore: %v", err)
	}
	if _, err := s.Create(CreateOptions{Name: "x", Subnet: "10.89.0.128/25"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("overlapping subnet: %v", err)
	}
	c, err := s.Create(CreateOptions{Name: "x", Subnet: "192.168.77.0/24", Gateway: "192.168.77.254", Labels: map[string]string{"k": "v"}})
	if err != nil || c.Subnets[0].Gateway != "192.168.77.254" {
		t.Fatalf("custom subnet: %v %+v", err, c)
	}
	if _, err := s.Create(CreateOptions{Name: "y", Subnet: "192.168.78.0/24", Gateway: "192.168.79.1"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("gateway outside: %v", err)
	}
	match, err := CompileFilters([]string{"label=k=v"})
	if err != nil || !match(c) || match(a) {
		t.Errorf("label filter: %v", err)
	}
	match, _ = CompileFilters([]string{"name=^app$", "name=oth"})
	if !match(a) || !match(b) || match(c) {
		t.Error("name filters are ORed")
	}
	s.Users = func(name string) ([]string, error) {
		if name == "app" {
			return []string{"db"}, nil
		}
		return nil, nil
	}
	if _, err := s.Remove("app", false); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "db") {
		t.Errorf("remove in use: %v", err)
	}
	pruned, err := s.Prune(nil)
	if err != nil || len(pruned) != 2 {
		t.Errorf("prune = %v, %v", pruned, err)
	}
	if ok, _ := s.Exists(a.ID[:12]); !ok {
		t.Error("exists by ID prefix")
	}
}

func TestVethName(t *testing.T) {
	for _, br := range []string{"skiffbr0", "skiffbr12", "skiffbr123"} {
		if n := vethName("0123456789abcdef0123", br); len(n) > 15 {
			t.Errorf("vethName(%s) = %s: longer than 15", br, n)
		}
	}
}
