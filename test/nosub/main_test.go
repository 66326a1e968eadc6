// Package nosub holds the end-to-end tests that run as skiff-nosub, a user with no subordinate ID range:
// skiff must work for such users (LDAP accounts, HPC login nodes) with a single-UID mapping.
package nosub

import (
	"testing"

	"github.com/skiffproject/skiff/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
