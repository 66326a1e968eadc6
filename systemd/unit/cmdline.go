package unit

import (
	"fmt"
	"strings"
)

// FlagSpec tells, for each flag name of a command without its dashes ("name", "e", "env"), whether the
// flag takes a value. Generation needs it to find where a recorded command line's options end and the
// image and the container's own command begin.
type FlagSpec map[string]bool

// Merge returns a copy of s with the entries of o added or replaced.
func (s FlagSpec) Merge(o FlagSpec) FlagSpec {
	m := make(FlagSpec, len(s)+len(o))
	for k, v := range s {
		m[k] = v
	}
	for k, v := range o {
		m[k] = v
	}
	return m
}

// GlobalFlags are skiff's global flags (cmd/skiff/global.go): they come before the verb.
var GlobalFlags = FlagSpec{
	"log-level": true, "root": true, "runroot": true, "storage-driver": true, "storage-opt": true,
	"runtime": true, "help": false, "h": false, "version": false, "v": false,
}

// RunFlags are the flags of `skiff run` and `skiff create`. The CLI passes the real ones (Options.RunFlags);
// this table, which also knows Podman's common flags, is the fallback for flags it does not define.
var RunFlags = FlagSpec{
	// without a value
	"d": false, "detach": false, "i": false, "interactive": false, "t": false, "tty": false, "rm": false,
	"init": false, "read-only": false, "privileged": false, "replace": false, "P": false, "publish-all": false,
	"q": false, "quiet": false, "no-healthcheck": false, "read-only-tmpfs": false, "env-host": false,
	"tls-verify": false, "sig-proxy": false, "oom-kill-disable": false, "help": false,
	// with a value
	"name": true, "e": true, "env": true, "env-file": true, "w": true, "workdir": true, "u": true, "user": true,
	"entrypoint": true, "h": true, "hostname": true, "cap-add": true, "cap-drop": true, "security-opt": true,
	"l": true, "label": true, "cidfile": true, "pull": true, "stop-signal": true, "stop-timeout": true,
	"log-driver": true, "log-opt": true, "ulimit": true, "p": true, "publish": true, "network": true, "net": true,
	"v": true, "volume": true, "mount": true, "tmpfs": true, "pod": true, "pod-id-file": true, "userns": true,
	"sdnotify": true, "restart": true, "uidmap": true, "gidmap": true, "group-add": true, "volumes-from": true,
	"network-alias": true, "ip": true, "ip6": true, "dns": true, "dns-option": true, "dns-search": true,
	"add-host": true, "expose": true, "annotation": true, "device": true, "m": true, "memory": true,
	"cpus": true, "pids-limit": true, "shm-size": true, "sysctl": true, "a": true, "attach": true,
	"detach-keys": true, "health-cmd": true, "platform": true, "arch": true, "os": true, "tz": true,
	"timeout": true, "runtime": true, "cgroups": true, "conmon-pidfile": true, "secret": true,
}

// PodCreateFlags are the flags of `skiff pod create`.
var PodCreateFlags = FlagSpec{
	"infra": false, "replace": false, "help": false,
	"name": true, "n": true, "p": true, "publish": true, "share": true, "infra-command": true,
	"infra-name": true, "infra-image": true, "infra-conmon-pidfile": true, "pod-id-file": true,
	"hostname": true, "network": true, "net": true, "add-host": true, "dns": true, "label": true, "l": true,
	"exit-policy": true, "userns": true, "volume": true, "v": true,
}

// cmdline is a recorded command line taken apart.
type cmdline struct {
	root []string // global flags, before the verb
	args []string // the verb's flags that are kept, then everything from the first positional argument
	// nameAt is the index in args of the word that holds the --name value, posAt the index of the first
	// positional argument (-1: none).
	nameAt, posAt int
	// values of dropped flags, by the name they were given with (the last one wins)
	dropped map[string]string
	// envNames are -e NAME without a value: the value comes from the environment of the creating command.
	envNames []string
}

// parseCmdline takes argv (argv[0] is the program) apart: global flags, then one of verbs (each a word
// sequence such as {"pod", "create"}), then the verb's flags per spec. Flags named in drop are removed and
// their values recorded. A flag spec does not know is kept; without "=VALUE" it is taken not to have a value.
func parseCmdline(argv []string, verbs [][]string, spec FlagSpec, drop map[string]bool) (*cmdline, error) {
	cl := &cmdline{nameAt: -1, posAt: -1, dropped: map[string]string{}}
	i := 1
	for i < len(argv) && strings.HasPrefix(argv[i], "-") && argv[i] != "-" && argv[i] != "--" {
		cl.root = append(cl.root, argv[i])
		name, _, hasVal := strings.Cut(strings.TrimLeft(argv[i], "-"), "=")
		if GlobalFlags[name] && !hasVal && i+1 < len(argv) {
			i++
			cl.root = append(cl.root, argv[i])
		}
		i++
	}
	matched := false
	for _, v := range verbs {
		if i+len(v) <= len(argv) && equal(argv[i:i+len(v)], v) {
			i += len(v)
			matched = true
			break
		}
	}
	if !matched {
		want := make([]string, len(verbs))
		for j, v := range verbs {
			want[j] = strings.Join(v, " ")
		}
		return nil, fmt.Errorf("recorded command %q is not a %s command", strings.Join(argv, " "), strings.Join(want, " or "))
	}
	args := argv[i:]
	for j := 0; j < len(args); j++ {
		a := args[j]
		if a == "--" || a == "-" || !strings.HasPrefix(a, "-") {
			cl.posAt = len(cl.args)
			if a == "--" {
				cl.posAt++
			}
			cl.args = append(cl.args, args[j:]...)
			break
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			words := []string{a}
			if spec[name] && !hasVal && j+1 < len(args) {
				j++
				val = args[j]
				words = append(words, val)
			}
			cl.flag(name, val, words, drop)
			continue
		}
		// A cluster of short flags: -d, -it, -p80, -e=A=b, -itp 80.
		letters := a[1:]
		var bools strings.Builder
		for k := 0; k < len(letters); k++ {
			l := letters[k : k+1]
			if !spec[l] {
				if drop[l] {
					cl.dropped[l] = ""
				} else {
					bools.WriteString(l)
				}
				continue
			}
			if bools.Len() > 0 {
				cl.args = append(cl.args, "-"+bools.String())
				bools.Reset()
			}
			val := strings.TrimPrefix(letters[k+1:], "=")
			words := []string{"-" + letters[k:]}
			if k+1 == len(letters) && j+1 < len(args) {
				j++
				val = args[j]
				words = append(words, val)
			}
			cl.flag(l, val, words, drop)
			break
		}
		if bools.Len() > 0 {
			cl.args = append(cl.args, "-"+bools.String())
		}
	}
	return cl, nil
}

// flag records one flag given as words (one or two command-line words).
func (cl *cmdline) flag(name, val string, words []string, drop map[string]bool) {
	if drop[name] {
		cl.dropped[name] = val
		return
	}
	switch name {
	case "name", "n":
		cl.nameAt = len(cl.args) + len(words) - 1
	case "e", "env":
		if !strings.Contains(val, "=") {
			cl.envNames = append(cl.envNames, val)
		}
	}
	cl.args = append(cl.args, words...)
}

// has reports whether one of the flags names was dropped, and the value of the last one found.
func (cl *cmdline) has(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := cl.dropped[n]; ok {
			return v, true
		}
	}
	return "", false
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// formatCommand lays out already quoted words as Podman does: the first word, then a line break before
// every word that starts with "-", other words on the same line.
func formatCommand(words []string) string {
	var b strings.Builder
	for i, w := range words {
		switch {
		case i == 0:
		case strings.HasPrefix(w, "-"):
			b.WriteString(" \\\n\t")
		default:
			b.WriteString(" ")
		}
		b.WriteString(w)
	}
	return b.String()
}
