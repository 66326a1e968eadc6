package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/command"
	"github.com/openshift/imagebuilder/dockerfile/parser"
	"github.com/sirupsen/logrus"
)

var chownFlag = regexp.MustCompile(`(?i)--chown=\S+\s*`)

// dropChowns prepares the Containerfiles for a user without subordinate IDs, whose namespace holds
// only the user's own ID: a COPY or ADD --chown to another ID could not be applied, so the flag is
// dropped (the files belong to the user, as every file of such a user's images does) and one warning
// says so. It returns the files to build from: the originals when nothing changes, else rewritten
// copies in dir, line for line, so that buildah's messages keep their line numbers.
func dropChowns(paths []string, dir string) ([]string, error) {
	out := make([]string, len(paths))
	var dropped []string
	for i, p := range paths {
		out[i] = p
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read Containerfile: %w", err)
		}
		res, err := parser.Parse(strings.NewReader(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s: parse error: %w", p, err)
		}
		lines := strings.Split(string(b), "\n")
		changed := false
		for _, n := range res.AST.Children {
			if n.Value != command.Copy && n.Value != command.Add {
				continue
			}
			for _, f := range n.Flags {
				if !strings.HasPrefix(strings.ToLower(f), "--chown=") {
					continue
				}
				for l := n.StartLine; l <= n.EndLine && l-1 < len(lines); l++ {
					if chownFlag.MatchString(lines[l-1]) {
						lines[l-1] = chownFlag.ReplaceAllString(lines[l-1], "")
						changed = true
					}
				}
				dropped = append(dropped, fmt.Sprintf("%s:%d", p, n.StartLine))
			}
		}
		if !changed {
			continue
		}
		f, err := os.CreateTemp(dir, "Containerfile-")
		if err != nil {
			return nil, fmt.Errorf("rewrite Containerfile: %w", err)
		}
		if _, err := f.WriteString(strings.Join(lines, "\n")); err != nil {
			f.Close()
			return nil, fmt.Errorf("rewrite Containerfile: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("rewrite Containerfile: %w", err)
		}
		out[i] = f.Name()
	}
	if len(dropped) > 0 {
		logrus.Warnf("no subordinate IDs: --chown ignored at %s, the files belong to you (hint: as root, usermod --add-subuids and --add-subgids give this user a range)", strings.Join(dropped, ", "))
	}
	return out, nil
}
