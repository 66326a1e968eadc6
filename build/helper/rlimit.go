package main

import "golang.org/x/sys/unix"

const (
	rlimitNofile = unix.RLIMIT_NOFILE
	rlimitNproc  = unix.RLIMIT_NPROC
)

func getRlimit(resource int) (soft, hard uint64, err error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(resource, &r); err != nil {
		return 0, 0, err
	}
	return r.Cur, r.Max, nil
}
