package nosub

import (
	"os"
	"strconv"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// The first command of a user without a subordinate range warns once and maps only the user's own IDs.
func TestSingleMappingWarnsOnce(t *testing.T) {
	sb := NewSandbox(t)
	r := sb.Run(t, "pull", Busybox)
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	if n := strings.Count(r.Stderr, "single-UID mapping"); n != 1 {
		t.Fatalf("first command: %d single-mapping warnings, want 1:\n%s", n, r.Stderr)
	}
	for _, want := range []string{"no subordinate ID range", "/etc/subuid", "usermod --add-subuids"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("warning lacks %q:\n%s", want, r.Stderr)
		}
	}
	r = sb.Run(t, "images", "-q")
	if r.Code != 0 || strings.Contains(r.Stderr, "single-UID") || strings.TrimSpace(r.Stdout) == "" {
		t.Fatalf("second command warned again or lost the image:\n%s", r)
	}
	uidMap := strings.Fields(sb.Must(t, "unshare", "cat", "/proc/self/uid_map"))
	if strings.Join(uidMap, " ") != "0 "+strconv.Itoa(os.Getuid())+" 1" {
		t.Fatalf("uid_map = %v, want only the user's own ID", uidMap)
	}
	if got := sb.Must(t, "info", "--format", "{{.Host.IDMappings.SingleMapping}}"); got != "true" {
		t.Fatalf("info SingleMapping = %s", got)
	}
}

// An image whose files belong to many IDs is stored with every file owned by the user.
func TestPullManyOwnersSquashed(t *testing.T) {
	g := Isolated(t)
	Must(t, append(g, "pull", "-q", Layers)...)
	mnt := Must(t, append(g, "image", "mount", Layers)...)
	t.Cleanup(func() { Run(t, append(g, "image", "unmount", Layers)...) })
	if got := Must(t, append(g, "unshare", "stat", "-c", "%u:%g", mnt+"/data/app/file")...); got != "0:0" {
		t.Fatalf("data/app/file inside = %s, want 0:0 (squashed to the user)", got)
	}
}
