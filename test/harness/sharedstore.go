package harness

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedStore is the shared read-only image store hack/setup-host.sh creates ($SKIFF_SHARED_STORE, passed
// by hack/test-e2e.sh): the user with subordinate IDs fills it, the user without runs from it.
func SharedStore(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SKIFF_SHARED_STORE")
	if dir == "" {
		t.Fatal("SKIFF_SHARED_STORE is not set: run the tests through hack/test-e2e.sh (after hack/setup-host.sh)")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("shared image store %s is missing (hack/setup-host.sh creates it): %v", dir, err)
	}
	return dir
}

// SharedStoreConf writes a storage.conf that lists dir under additionalimagestores and returns the
// environment that makes skiff read it.
func SharedStoreConf(t testing.TB, dir string) []string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "storage.conf")
	body := "[storage]\ndriver = \"overlay\"\n\n[storage.options]\nadditionalimagestores = [\"" + dir + "\"]\n"
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"CONTAINERS_STORAGE_CONF=" + conf}
}
