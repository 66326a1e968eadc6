package nosub

import (
	"os"
	"strings"
	"testing"
)

// kernelHasNFS reports whether the running kernel can mount NFS (the client is built in or loaded).
func kernelHasNFS(t *testing.T) bool {
	b, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[len(f)-1] == "nfs" || f[len(f)-1] == "nfs4") {
			return true
		}
	}
	return false
}

// A storage root on NFS: skiff moves it to node-local storage with one warning. This needs a real NFS
// mount on loopback; the file-system detection and the fallback's choices are unit-tested in fuseoverlay
// (TestNetworkFS, TestNodeLocalRoot, TestEnsurePrivateDir).
func TestNetworkHomeNFS(t *testing.T) {
	if !kernelHasNFS(t) {
		t.Skip("probe: this kernel has no NFS client (/proc/filesystems lists neither nfs nor nfs4, and modules cannot be loaded), so no NFS mount can be made on loopback; the detection and fallback are covered by fuseoverlay's unit tests")
	}
	t.Fatal("this kernel has an NFS client, but hack/setup-host.sh exports and mounts no NFS home directory on loopback yet (it was written on a kernel without NFS): add that set-up, then this test")
}
