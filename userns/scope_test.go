package userns

import "testing"

func TestCgroupInUserService(t *testing.T) {
	for _, tc := range []struct {
		cgroup string
		want   bool
	}{
		{"0::/user.slice/user-1000.slice/user@1000.service/app.slice/container-web.service\n", true},
		{"0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo@1.service\n", true},
		{"0::/user.slice/user-1000.slice/user@1000.service/init.scope\n", false},
		{"0::/user.slice/user-1000.slice/user@1000.service/user.slice/skiff-pause-1000-ab.scope\n", false},
		{"0::/user.slice/user-1000.slice/session-3.scope\n", false},
		{"0::/system.slice/sshd.service\n", false},
		{"0::/\n", false},
		// Hybrid hierarchy: the named systemd hierarchy counts, other v1 controllers do not.
		{"4:memory:/x/y.service\n1:name=systemd:/user.slice/user-1000.slice/user@1000.service/app.slice/a.service\n0::/\n", true},
		{"4:memory:/user.slice/user@1000.service/app.slice/a.service\n0::/\n", false},
	} {
		if got := cgroupInUserService(tc.cgroup); got != tc.want {
			t.Errorf("cgroupInUserService(%q) = %v, want %v", tc.cgroup, got, tc.want)
		}
	}
}
