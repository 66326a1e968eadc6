package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/command"
	"github.com/openshift/imagebuilder/dockerfile/parser"
)

// minArgs are the instructions checked for a missing argument before the build starts, with
// imagebuilder's wording.
var minArgs = map[string]struct {
	n    int
	word string
}{
	command.Copy: {2, "two arguments"}, command.Add: {2, "two arguments"}, command.From: {1, "one argument"},
	command.Workdir: {1, "one argument"}, command.User: {1, "one argument"}, command.Arg: {1, "one argument"},
	command.Env: {1, "one argument"}, command.Label: {1, "one argument"}, command.Expose: {1, "one argument"},
	command.StopSignal: {1, "one argument"}, command.Run: {1, "one argument"},
}

// checkDockerfiles parses each Containerfile before anything is pulled or created, so that a syntax
// error, an unknown instruction or a missing argument fails in one line naming the file and the line.
func checkDockerfiles(paths []string) error {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("read Containerfile: %w", err)
		}
		res, err := parser.Parse(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: parse error: %w", p, err)
		}
		for _, n := range res.AST.Children {
			instr := strings.ToUpper(n.Value)
			if _, ok := command.Commands[n.Value]; !ok {
				return fmt.Errorf("%s:%d: unknown instruction %s (hint: see the Dockerfile reference for the instructions)", p, n.StartLine, instr)
			}
			want, ok := minArgs[n.Value]
			if !ok || len(n.Heredocs) > 0 {
				continue
			}
			args := 0
			for a := n.Next; a != nil; a = a.Next {
				if a.Value != "" {
					args++
				}
			}
			if args < want.n {
				return fmt.Errorf("%s:%d: %s requires at least %s", p, n.StartLine, instr, want.word)
			}
		}
	}
	return nil
}
