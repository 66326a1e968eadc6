// Package e2e holds the end-to-end tests that run as skiff-test, a user with a subordinate ID range.
package e2e

import (
	"testing"

	"github.com/skiffproject/skiff/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
