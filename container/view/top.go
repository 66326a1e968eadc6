package view

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	osuser "os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/capability"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container"
	process "github.com/skiffproject/skiff/proc"
	"github.com/skiffproject/skiff/userns"
)

// TopDescriptors are the columns top knows, by ps(1) name, with their headers.
var TopDescriptors = map[string]string{
	"user": "USER", "pid": "PID", "ppid": "PPID", "pcpu": "%CPU", "etime": "ELAPSED", "tty": "TTY",
	"time": "TIME", "args": "COMMAND", "comm": "COMMAND", "uid": "UID", "gid": "GID", "group": "GROUP",
	"nice": "NI", "state": "STATE", "rss": "RSS", "vsz": "VSZ",
	// The rest of Podman's (psgo's) descriptors.
	"capamb": "AMBIENT CAPS", "capbnd": "BOUNDING CAPS", "capeff": "EFFECTIVE CAPS", "capinh": "INHERITED CAPS",
	"capprm": "PERMITTED CAPS", "hgroup": "HGROUP", "hpid": "HPID", "huser": "HUSER", "label": "LABEL",
	"pgid": "PGID", "rgroup": "RGROUP", "ruser": "RUSER", "seccomp": "SECCOMP", "stime": "STIME",
}

// aixDescriptors are ps(1)'s AIX format codes, which Podman's top takes too.
var aixDescriptors = map[string]string{
	"%C": "pcpu", "%G": "group", "%P": "ppid", "%U": "user", "%a": "args", "%c": "comm", "%g": "rgroup",
	"%n": "nice", "%p": "pid", "%r": "pgid", "%t": "etime", "%u": "ruser", "%x": "time", "%y": "tty", "%z": "vsz",
}

// DefaultTopDescriptors are Podman's default columns.
var DefaultTopDescriptors = []string{"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"}

// Top lists the processes of a running container: every process in its PID namespace, read from
// /proc, with PIDs as the container sees them and users named from its /etc/passwd. descriptors
// choose the columns (nil: Podman's defaults); the first row is the header.
func Top(e *container.Engine, nameOrID string, descriptors []string) ([][]string, error) {
	if len(descriptors) == 0 {
		descriptors = DefaultTopDescriptors
	}
	var header []string
	descriptors = slices.Clone(descriptors)
	for i, d := range descriptors {
		if a, ok := aixDescriptors[d]; ok {
			descriptors[i] = a
		}
		h, ok := TopDescriptors[strings.ToLower(descriptors[i])]
		if !ok {
			known := slices.Sorted(maps.Keys(TopDescriptors))
			return nil, fmt.Errorf("top: unknown descriptor %q (known: %s, and the AIX codes %%C %%G %%P %%U %%a %%c %%g %%n %%p %%r %%t %%u %%x %%y %%z)", d, strings.Join(known, ", "))
		}
		header = append(header, h)
	}
	c, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	if c.State.Status != container.StatusRunning && c.State.Status != container.StatusPaused {
		return nil, fmt.Errorf("top: container %s is %s: %w", c.Name(), c.State.Status, container.ErrNotRunning)
	}
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.State.Pid))
	if err != nil {
		return nil, fmt.Errorf("top: container %s: %w", c.Name(), err)
	}
	rootfs := ""
	if sc := c.Storage; sc != nil {
		if drv, err := e.Store().GraphDriver(); err == nil {
			if m, err := drv.Metadata(sc.LayerID); err == nil {
				rootfs = m["MergedDir"]
			}
		}
	}
	users, groups := namesIn(rootfs)
	procs, err := listNS(ns)
	if err != nil {
		return nil, err
	}
	nsPid := map[int]int{}
	for _, p := range procs {
		nsPid[p.pid] = p.nspid
	}
	rows := [][]string{header}
	for _, p := range procs {
		var row []string
		for _, d := range descriptors {
			row = append(row, p.field(strings.ToLower(d), nsPid, users, groups))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

type proc struct {
	pid, nspid, ppid int
	uid, gid         int
	comm, state      string
	args             []string
	tty              uint64
	utime, stime     uint64
	start            uint64
	nice             int
	rss, vsz         uint64
	pgid             int
	ruid, rgid       int
	caps             map[string]uint64 // CapAmb, CapBnd, CapEff, CapInh, CapPrm
	seccomp          string
	label            string
}

var clkTck = uint64(100) // sysconf(_SC_CLK_TCK) is 100 on Linux for every architecture Go supports

func bootTime() time.Time {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}

// listNS returns the processes whose PID namespace is ns.
func listNS(ns string) ([]proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("top: %w", err)
	}
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + e.Name()
		if l, err := os.Readlink(dir + "/ns/pid"); err != nil || l != ns {
			continue
		}
		p := proc{pid: pid, nspid: pid}
		if comm, f, err := process.Stat(pid); err == nil {
			p.comm = comm
			if len(f) >= 22 {
				p.state = f[0]
				p.ppid, _ = strconv.Atoi(f[1])
				p.pgid, _ = strconv.Atoi(f[2])
				p.tty, _ = strconv.ParseUint(f[4], 10, 64)
				p.utime, _ = strconv.ParseUint(f[11], 10, 64)
				p.stime, _ = strconv.ParseUint(f[12], 10, 64)
				p.nice, _ = strconv.Atoi(f[16])
				p.start, _ = strconv.ParseUint(f[19], 10, 64)
				p.vsz, _ = strconv.ParseUint(f[20], 10, 64)
				p.rss, _ = strconv.ParseUint(f[21], 10, 64)
			}
		}
		if b, err := os.ReadFile(dir + "/status"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				k, v, _ := strings.Cut(line, ":")
				f := strings.Fields(v)
				if len(f) == 0 {
					continue
				}
				switch k {
				case "NSpid":
					p.nspid, _ = strconv.Atoi(f[len(f)-1])
				case "Uid":
					p.ruid, _ = strconv.Atoi(f[0])
					p.uid, _ = strconv.Atoi(f[1]) // effective
				case "Gid":
					p.rgid, _ = strconv.Atoi(f[0])
					p.gid, _ = strconv.Atoi(f[1])
				case "CapAmb", "CapBnd", "CapEff", "CapInh", "CapPrm":
					if p.caps == nil {
						p.caps = map[string]uint64{}
					}
					p.caps[k], _ = strconv.ParseUint(f[0], 16, 64)
				case "Seccomp":
					p.seccomp = map[string]string{"0": "disabled", "1": "strict", "2": "filter"}[f[0]]
				}
			}
		}
		p.label = "-"
		if b, err := os.ReadFile(dir + "/attr/current"); err == nil {
			if l := strings.TrimRight(string(b), "\x00\n"); l != "" && l != "unconfined" {
				p.label = l
			}
		}
		if b, err := os.ReadFile(dir + "/cmdline"); err == nil && len(b) > 0 {
			p.args = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		}
		out = append(out, p)
	}
	return out, nil
}

func (p *proc) field(d string, nsPid map[int]int, users, groups map[int]string) string {
	now := time.Now()
	started := bootTime().Add(time.Duration(p.start * uint64(time.Second) / clkTck))
	cpu := time.Duration((p.utime + p.stime) * uint64(time.Second) / clkTck)
	switch d {
	case "user":
		if n, ok := users[p.uid]; ok {
			return n
		}
		return strconv.Itoa(p.uid)
	case "uid":
		return strconv.Itoa(p.uid)
	case "gid":
		return strconv.Itoa(p.gid)
	case "group":
		if n, ok := groups[p.gid]; ok {
			return n
		}
		return strconv.Itoa(p.gid)
	case "pid":
		return strconv.Itoa(p.nspid)
	case "ppid":
		return strconv.Itoa(nsPid[p.ppid]) // 0 for init, whose parent is outside
	case "pcpu":
		el := now.Sub(started)
		if el <= 0 {
			return "0.000"
		}
		return fmt.Sprintf("%.3f", 100*cpu.Seconds()/el.Seconds())
	case "etime":
		return now.Sub(started).Round(time.Microsecond).String()
	case "tty":
		if p.tty == 0 {
			return "?"
		}
		major, minor := unix.Major(p.tty), unix.Minor(p.tty)
		if major == 136 {
			return fmt.Sprintf("pts/%d", minor)
		}
		return fmt.Sprintf("%d:%d", major, minor)
	case "time":
		return cpu.String()
	case "comm":
		return p.comm
	case "args":
		if len(p.args) == 0 {
			return "[" + p.comm + "]"
		}
		return strings.Join(p.args, " ")
	case "nice":
		return strconv.Itoa(p.nice)
	case "state":
		return p.state
	case "rss":
		return strconv.FormatUint(p.rss*uint64(os.Getpagesize())/1024, 10)
	case "vsz":
		return strconv.FormatUint(p.vsz/1024, 10)
	case "pgid":
		return strconv.Itoa(nsPid[p.pgid])
	case "ruser":
		if n, ok := users[p.ruid]; ok {
			return n
		}
		return strconv.Itoa(p.ruid)
	case "rgroup":
		if n, ok := groups[p.rgid]; ok {
			return n
		}
		return strconv.Itoa(p.rgid)
	case "hpid":
		return strconv.Itoa(p.pid)
	case "huser":
		return hostName(p.uid, "/proc/self/uid_map", func(id string) (string, error) {
			u, err := osuser.LookupId(id)
			if err != nil {
				return "", err
			}
			return u.Username, nil
		})
	case "hgroup":
		return hostName(p.gid, "/proc/self/gid_map", func(id string) (string, error) {
			g, err := osuser.LookupGroupId(id)
			if err != nil {
				return "", err
			}
			return g.Name, nil
		})
	case "capamb", "capbnd", "capeff", "capinh", "capprm":
		return capNames(p.caps["Cap"+strings.ToUpper(d[3:4])+d[4:]])
	case "seccomp":
		return p.seccomp
	case "label":
		return p.label
	case "stime":
		return started.Format("2006-01-02 15:04:05 -0700 MST")
	}
	return ""
}

// hostName names the host's user (or group) behind id of skiff's user namespace, mapped through
// mapFile; the number where the host has no name for it.
func hostName(id int, mapFile string, lookup func(string) (string, error)) string {
	host := id
	if b, err := os.ReadFile(mapFile); err == nil {
		if maps, err := userns.ParseProcMap(string(b)); err == nil {
			for _, m := range maps {
				if id >= int(m.ContainerID) && id < int(m.ContainerID)+int(m.Size) {
					host = int(m.HostID) + id - int(m.ContainerID)
					break
				}
			}
		}
	}
	if n, err := lookup(strconv.Itoa(host)); err == nil {
		return n
	}
	return strconv.Itoa(host)
}

// capNames lists the capabilities in set as psgo does: names without CAP_, "full" or "none".
func capNames(set uint64) string {
	if set == 0 {
		return "none"
	}
	var names []string
	for _, c := range capability.ListKnown() {
		if set&(1<<uint(c)) != 0 {
			names = append(names, strings.ToUpper(c.String()))
		}
	}
	if supported, err := capability.ListSupported(); err == nil {
		all := true
		for _, c := range supported {
			all = all && set&(1<<uint(c)) != 0
		}
		if all {
			return "full"
		}
	}
	return strings.Join(names, ",")
}

// namesIn reads user and group names from the container's /etc/passwd and /etc/group.
func namesIn(rootfs string) (users, groups map[int]string) {
	users, groups = map[int]string{}, map[int]string{}
	if rootfs == "" {
		return users, groups
	}
	if p, err := securejoin.SecureJoin(rootfs, "/etc/passwd"); err != nil {
	} else if us, err := user.ParsePasswdFile(p); err == nil {
		for _, u := range us {
			if _, ok := users[u.Uid]; !ok {
				users[u.Uid] = u.Name
			}
		}
	}
	if p, err := securejoin.SecureJoin(rootfs, "/etc/group"); err != nil {
	} else if gs, err := user.ParseGroupFile(p); err == nil {
		for _, g := range gs {
			if _, ok := groups[g.Gid]; !ok {
				groups[g.Gid] = g.Name
			}
		}
	}
	return users, groups
}
