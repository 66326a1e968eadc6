package quadlet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Pos is where a section or an entry was read: the file and the line (1-based).
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Error is a problem in a Quadlet file, located at the line that has it.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

func errorf(p Pos, format string, args ...any) error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// Entry is one KEY=VALUE line, continuation lines joined.
type Entry struct {
	Key, Value string
	Pos        Pos
}

// Section is one [NAME] of a file with its entries in order. A section that appears more than once is
// merged into its first appearance, as systemd does.
type Section struct {
	Name    string
	Pos     Pos
	Entries []Entry
}

// File is a parsed unit-style file: a Quadlet file, with its drop-ins applied.
type File struct {
	// Path is the file's path as given; errors name it.
	Path string
	// Name is the file's base name ("web.container").
	Name     string
	Sections []*Section
}

// Parse parses data, a unit file in systemd's syntax, read from path.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path, Name: filepath.Base(path)}
	if err := f.parse(path, string(data)); err != nil {
		return nil, err
	}
	return f, nil
}

// ParseFile reads and parses the file at path.
func ParseFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// parse adds what text (the contents of the file at path) sets to f: used for the file and its drop-ins.
func (f *File) parse(path, text string) error {
	lines := strings.Split(text, "\n")
	var cur *Section
	for i := 0; i < len(lines); i++ {
		pos := Pos{File: path, Line: i + 1}
		line := strings.TrimSpace(lines[i])
		if line == "" || isComment(line) {
			continue
		}
		// A trailing backslash continues the line and becomes a space; comment lines in between are skipped.
		for strings.HasSuffix(line, "\\") {
			line = line[:len(line)-1] + " "
			j := i + 1
			for j < len(lines) && isComment(strings.TrimSpace(lines[j])) {
				j++
			}
			if j >= len(lines) {
				break
			}
			i = j
			line += strings.TrimSpace(lines[j])
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 || end != len(line)-1 || end == 1 || strings.ContainsAny(line[1:end], "[]") {
				return errorf(pos, "bad section header %q: want [NAME]", line)
			}
			cur = f.section(line[1:end], pos)
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return errorf(pos, "expected KEY=VALUE or [SECTION], got %q", line)
		}
		if cur == nil {
			return errorf(pos, "%s= is outside of any section", key)
		}
		cur.Entries = append(cur.Entries, Entry{Key: key, Value: strings.TrimSpace(value), Pos: pos})
	}
	return nil
}

func isComment(line string) bool { return line != "" && (line[0] == '#' || line[0] == ';') }

// section returns the section name, creating it at pos if missing.
func (f *File) section(name string, pos Pos) *Section {
	if s := f.Section(name); s != nil {
		return s
	}
	s := &Section{Name: name, Pos: pos}
	f.Sections = append(f.Sections, s)
	return s
}

// Section returns the section name, nil when the file has none.
func (f *File) Section(name string) *Section {
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// All returns the entries of key in section, in order. An empty value resets the list, as systemd does
// for list settings.
func (f *File) All(section, key string) []Entry {
	s := f.Section(section)
	if s == nil {
		return nil
	}
	var out []Entry
	for _, e := range s.Entries {
		if e.Key != key {
			continue
		}
		if e.Value == "" {
			out = nil
			continue
		}
		out = append(out, e)
	}
	return out
}

// Last returns the last entry of key in section.
func (f *File) Last(section, key string) (Entry, bool) {
	s := f.Section(section)
	if s == nil {
		return Entry{}, false
	}
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if s.Entries[i].Key == key {
			return s.Entries[i], true
		}
	}
	return Entry{}, false
}

// Get returns the value of the last entry of key in section, "" when missing.
func (f *File) Get(section, key string) string {
	e, _ := f.Last(section, key)
	return e.Value
}

// Bool returns the last value of key in section as a boolean (1, yes, true, on; 0, no, false, off), def
// when missing.
func (f *File) Bool(section, key string, def bool) (bool, error) {
	e, ok := f.Last(section, key)
	if !ok || e.Value == "" {
		return def, nil
	}
	switch strings.ToLower(e.Value) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return def, errorf(e.Pos, "%s=%s: want a boolean (yes or no)", key, e.Value)
}

// set replaces the last entry of key in section (or adds one).
func (f *File) set(section, key, value string) {
	s := f.section(section, Pos{})
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if s.Entries[i].Key == key {
			s.Entries[i].Value = value
			return
		}
	}
	s.Entries = append(s.Entries, Entry{Key: key, Value: value})
}

// add appends key=value to section.
func (f *File) add(section, key, value string) {
	s := f.section(section, Pos{})
	s.Entries = append(s.Entries, Entry{Key: key, Value: value})
}

// prepend puts key=value first in section.
func (f *File) prepend(section, key, value string) {
	s := f.section(section, Pos{})
	s.Entries = append([]Entry{{Key: key, Value: value}}, s.Entries...)
}

// rename renames a section.
func (f *File) rename(from, to string) {
	if s := f.Section(from); s != nil {
		s.Name = to
	}
}

// String renders the file in systemd's syntax, sections separated by an empty line.
func (f *File) String() string {
	var b strings.Builder
	for i, s := range f.Sections {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("[" + s.Name + "]\n")
		for _, e := range s.Entries {
			b.WriteString(e.Key + "=" + e.Value + "\n")
		}
	}
	return b.String()
}

// clone returns a deep copy of f.
func (f *File) clone() *File {
	c := &File{Path: f.Path, Name: f.Name}
	for _, s := range f.Sections {
		cs := &Section{Name: s.Name, Pos: s.Pos, Entries: append([]Entry(nil), s.Entries...)}
		c.Sections = append(c.Sections, cs)
	}
	return c
}
