package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// Shell completion: `skiff completion bash|zsh|fish` prints a script that asks `skiff __complete WORD…`
// for the candidates of the last word: subcommands, the options of the verb, and the names of the
// containers, images, pods, networks and volumes its arguments (as ArgsUsage names them) or an option
// (--pod, --network, --volumes-from) take.

const bashCompletion = `# bash completion for skiff: source <(skiff completion bash)
_skiff() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$(skiff __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null)" -- "$cur"))
}
complete -o default -F _skiff skiff
`

const zshCompletion = `#compdef skiff
# zsh completion for skiff: skiff completion zsh > "${fpath[1]}/_skiff"
_skiff() {
	local -a candidates
	candidates=("${(@f)$(skiff __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
	compadd -a candidates
}
if [ "$funcstack[1]" = "_skiff" ]; then
	_skiff "$@"
else
	compdef _skiff skiff
fi
`

const fishCompletion = `# fish completion for skiff: skiff completion fish > ~/.config/fish/completions/skiff.fish
function __skiff_complete
	set -l tokens (commandline -opc)
	set -e tokens[1]
	skiff __complete $tokens (commandline -ct) 2>/dev/null
end
complete -c skiff -f -a '(__skiff_complete)'
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish\n\nEXAMPLE:\n   source <(skiff completion bash)\n   skiff completion fish > ~/.config/fish/completions/skiff.fish",
		Action: func(c *cli.Context) error {
			scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
			s, ok := scripts[c.Args().First()]
			if c.NArg() != 1 || !ok {
				return fmt.Errorf("completion: want one shell, bash, zsh or fish (e.g. source <(skiff completion bash))")
			}
			_, err := io.WriteString(c.App.Writer, s)
			return err
		},
	}
}

// completeCommand is `skiff __complete WORD… CURRENT`, which the scripts call.
func completeCommand() *cli.Command {
	return &cli.Command{
		Name:            "__complete",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			words := c.Args().Slice()
			if len(words) == 0 {
				words = []string{""}
			}
			for _, s := range completions(c, words[:len(words)-1], words[len(words)-1]) {
				fmt.Fprintln(c.App.Writer, s)
			}
			return nil
		},
	}
}

// nameKind is what a positional argument or an option value names.
type nameKind string

// optionKinds are the options whose values are names skiff can list.
var optionKinds = map[string]nameKind{"pod": "POD", "network": "NETWORK", "volumes-from": "CONTAINER"}

// completions returns the candidates for cur after words (the command line without "skiff").
func completions(c *cli.Context, words []string, cur string) []string {
	app := c.App
	cmds, flags := app.Commands, app.VisibleFlags()
	var leaf *cli.Command
	var positional int
	var want nameKind
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "--" {
			break
		}
		if isFlagToken(w) {
			f := lookupFlag(flags, strings.TrimLeft(strings.SplitN(w, "=", 2)[0], "-"))
			if f != nil && flagTakesValue(f) && !strings.Contains(w, "=") && !(len(w) > 2 && w[1] != '-') {
				if i == len(words)-1 {
					want = optionKinds[f.Names()[0]]
					if want == "" {
						return nil // a value skiff cannot guess: let the shell complete files
					}
				}
				i++
			}
			continue
		}
		if leaf == nil || len(leaf.Subcommands) > 0 {
			if sc := findCommand(cmds, w); sc != nil {
				leaf, cmds, flags = sc, sc.Subcommands, sc.VisibleFlags()
				continue
			}
		}
		positional++
	}
	if want == "" && strings.HasPrefix(cur, "-") {
		var out []string
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) == 1 {
					out = append(out, "-"+n)
				} else {
					out = append(out, "--"+n)
				}
			}
		}
		return out
	}
	if want == "" {
		if leaf == nil || len(leaf.Subcommands) > 0 {
			var out []string
			for _, sc := range cmds {
				if !sc.Hidden {
					out = append(out, sc.Name)
				}
			}
			return out
		}
		if passThrough[leaf.Name] && positional > 0 {
			return nil
		}
		want = argKind(leaf.ArgsUsage, positional)
	}
	return listNames(c, want)
}

// argKind reads the kind of positional argument n from the first line of ArgsUsage ("CONTAINER
// [CONTAINER...]"): the n-th word, or the last one when it repeats.
func argKind(argsUsage string, n int) nameKind {
	first, _, _ := strings.Cut(argsUsage, "\n")
	fields := strings.Fields(first)
	if len(fields) == 0 {
		return ""
	}
	var word string
	switch {
	case n < len(fields):
		word = fields[n]
	case strings.Contains(fields[len(fields)-1], "..."):
		word = fields[len(fields)-1]
	default:
		return ""
	}
	return nameKind(strings.Trim(word, "[].:"))
}

// listNames lists the names of the objects of kind k (CONTAINER, IMAGE, POD, NETWORK, VOLUME or two
// of them joined by |), sorted; errors yield no candidates.
func listNames(c *cli.Context, k nameKind) []string {
	set := map[string]bool{}
	for _, kind := range strings.Split(string(k), "|") {
		switch kind {
		case "CONTAINER":
			if e, done, err := openEngine(c); err == nil {
				if all, err := e.All(); err == nil {
					for _, ctr := range all {
						set[ctr.Name()] = true
					}
				}
				done()
			}
		case "IMAGE":
			if store, err := openStore(c); err == nil {
				if imgs, err := store.Images(); err == nil {
					for _, img := range imgs {
						for _, n := range img.Names {
							set[n] = true
						}
					}
				}
				_, _ = store.Shutdown(false)
			}
		case "POD":
			if pe, done, err := openPods(c); err == nil {
				if all, err := pe.All(); err == nil {
					for _, p := range all {
						set[p.Name] = true
					}
				}
				done()
			}
		case "NETWORK":
			if ns, _, done, err := openNetworks(c); err == nil {
				if all, err := ns.List(); err == nil {
					for _, n := range all {
						set[n.Name] = true
					}
				}
				done()
			}
		case "VOLUME":
			if vs, done, err := openVolumes(c); err == nil {
				if all, err := vs.All(); err == nil {
					for _, v := range all {
						set[v.Name] = true
					}
				}
				done()
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
