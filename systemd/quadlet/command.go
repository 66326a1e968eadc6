package quadlet

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/skiffproject/skiff/systemd"
)

// command is a skiff command line being built.
type command struct{ args []string }

func (c *command) add(args ...string) { c.args = append(c.args, args...) }

func (c *command) String() string { return systemd.JoinCommand(c.args) }

// base starts a skiff command: the executable and GlobalArgs=.
func (t *translator) base(f *File, kind string) (*command, error) {
	c := &command{args: []string{t.o.Executable}}
	args, err := splitAll(f, kind, "GlobalArgs")
	if err != nil {
		return nil, err
	}
	c.add(args...)
	return c, nil
}

// splitAll splits every value of key as a command line.
func splitAll(f *File, section, key string) ([]string, error) {
	var out []string
	for _, e := range f.All(section, key) {
		words, err := systemd.SplitCommand(e.Value)
		if err != nil {
			return nil, errorf(e.Pos, "%s=: %v", key, err)
		}
		out = append(out, words...)
	}
	return out, nil
}

// passArgs adds SkiffArgs= and PodmanArgs=, in file order.
func passArgs(f *File, section string, c *command) error {
	s := f.Section(section)
	if s == nil {
		return nil
	}
	for _, e := range s.Entries {
		if e.Key != "SkiffArgs" && e.Key != "PodmanArgs" || e.Value == "" {
			continue
		}
		words, err := systemd.SplitCommand(e.Value)
		if err != nil {
			return errorf(e.Pos, "%s=: %v", e.Key, err)
		}
		c.add(words...)
	}
	return nil
}

// keyValues returns the NAME=VALUE words of every value of key (Environment=, Label=), sorted by name, the
// last of a name winning.
func keyValues(f *File, section, key string) ([]string, error) {
	m := map[string]string{}
	for _, e := range f.All(section, key) {
		words, err := systemd.SplitCommand(e.Value)
		if err != nil {
			return nil, errorf(e.Pos, "%s=: %v", key, err)
		}
		for _, w := range words {
			k, _, _ := strings.Cut(w, "=")
			if k == "" {
				return nil, errorf(e.Pos, "%s=: %q has no name before =", key, w)
			}
			m[k] = w
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out, nil
}

// words returns the whitespace-separated words of every value of key.
func words(f *File, section, key string) []string {
	var out []string
	for _, e := range f.All(section, key) {
		out = append(out, strings.Fields(e.Value)...)
	}
	return out
}

// values returns every value of key.
func values(f *File, section, key string) []string {
	var out []string
	for _, e := range f.All(section, key) {
		out = append(out, e.Value)
	}
	return out
}

// boolFlag adds flag for a boolean key that is set: --flag, or --flag=false.
func boolFlag(f *File, section, key, flag string, c *command) error {
	if _, ok := f.Last(section, key); !ok {
		return nil
	}
	v, err := f.Bool(section, key, false)
	if err != nil {
		return err
	}
	if v {
		c.add(flag)
	} else {
		c.add(flag + "=false")
	}
	return nil
}

// absolute resolves a path relative to the Quadlet file's directory, leaving one that starts with a
// specifier alone.
func absolute(f *File, p string) string {
	if filepath.IsAbs(p) || (strings.HasPrefix(p, "%") && !strings.HasPrefix(p, "%%")) {
		return p
	}
	return filepath.Join(filepath.Dir(f.Path), p)
}

// serviceType checks Type= of [Service] against the types allowed.
func serviceType(f *File, allowed ...string) (string, error) {
	e, ok := f.Last("Service", "Type")
	if !ok {
		return "", nil
	}
	for _, a := range allowed {
		if e.Value == a {
			return e.Value, nil
		}
	}
	return "", errorf(e.Pos, "Type=%s: want %s", e.Value, strings.Join(allowed, " or "))
}
