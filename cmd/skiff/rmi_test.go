package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/containers/storage"
)

func TestRmiExitCode(t *testing.T) {
	unknown := errors.New("x: image not known")
	wrapUnknown := func(name string) error { return fmt.Errorf("%s: %w", name, storage.ErrImageUnknown) }
	inUse := fmt.Errorf("image used by c1: %w", storage.ErrImageUsedByContainer)
	for _, tc := range []struct {
		errs []error
		want int
	}{
		{nil, 0},
		{[]error{wrapUnknown("a")}, 1},
		{[]error{wrapUnknown("a"), inUse}, 2},
		{[]error{inUse, unknown}, 2},
		{[]error{wrapUnknown("a"), unknown}, 125},
		{[]error{unknown}, 125},
	} {
		if got := rmiExitCode(tc.errs); got != tc.want {
			t.Errorf("rmiExitCode(%v) = %d, want %d", tc.errs, got, tc.want)
		}
	}
}
