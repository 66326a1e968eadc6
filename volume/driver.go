package volume

import (
	"fmt"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// mountFlags are the flag options of mount(8) that o= may hold.
var mountFlags = map[string]uintptr{
	"ro": unix.MS_RDONLY, "rw": 0,
	"nosuid": unix.MS_NOSUID, "suid": 0,
	"nodev": unix.MS_NODEV, "dev": 0,
	"noexec": unix.MS_NOEXEC, "exec": 0,
	"noatime": unix.MS_NOATIME, "nodiratime": unix.MS_NODIRATIME, "relatime": unix.MS_RELATIME,
	"strictatime": unix.MS_STRICTATIME, "sync": unix.MS_SYNCHRONOUS, "dirsync": unix.MS_DIRSYNC,
}

// isMountpoint reports whether something is mounted on path.
func isMountpoint(path string) bool {
	ok, err := mountinfo.Mounted(path)
	return err == nil && ok
}

// hasOwnMount reports whether the volume has a mount of its own (-o type=tmpfs or type=bind).
func (v *Volume) hasOwnMount() bool {
	d, err := parseDriverOptions(v.Options)
	return err == nil && d.typ != ""
}

// mount mounts the volume's own file system on its data directory, in the user's mount namespace, where
// it stays for the containers that follow. Nothing is done if it is mounted already.
func (v *Volume) mount() error {
	d, err := parseDriverOptions(v.Options)
	if err != nil {
		return fmt.Errorf("volume %s: %w", v.Name, err)
	}
	if d.typ == "" || isMountpoint(v.mountpoint) {
		return nil
	}
	switch d.typ {
	case "tmpfs":
		dev := d.device
		if dev == "" {
			dev = "tmpfs"
		}
		if err := unix.Mount(dev, v.mountpoint, "tmpfs", d.flags, strings.Join(d.data, ",")); err != nil {
			return fmt.Errorf("volume %s: mount tmpfs (o=%s): %w", v.Name, v.Options["o"], err)
		}
		if v.UID >= 0 || v.GID >= 0 {
			// tmpfs applied uid= and gid= itself.
			return nil
		}
	case "bind":
		flags := uintptr(unix.MS_BIND)
		if d.recurse {
			flags |= unix.MS_REC
		}
		if err := unix.Mount(d.device, v.mountpoint, "", flags, ""); err != nil {
			return fmt.Errorf("volume %s: bind %s: %w", v.Name, d.device, err)
		}
		if d.flags != 0 {
			if err := unix.Mount("", v.mountpoint, "", flags|unix.MS_REMOUNT|d.flags, ""); err != nil {
				_ = unix.Unmount(v.mountpoint, unix.MNT_DETACH)
				return fmt.Errorf("volume %s: remount %s with o=%s: %w", v.Name, d.device, v.Options["o"], err)
			}
		}
	}
	return nil
}

// unmount undoes mount.
func (v *Volume) unmount() error {
	for i := 0; i < 8 && isMountpoint(v.mountpoint); i++ {
		if err := unix.Unmount(v.mountpoint, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("volume %s: unmount %s: %w", v.Name, v.mountpoint, err)
		}
	}
	return nil
}
