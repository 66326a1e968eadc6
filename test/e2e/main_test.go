package e2e

import (
	"testing"

	"github.com/skiffproject/skiff/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
