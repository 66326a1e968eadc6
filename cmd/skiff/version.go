package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func versionString() string { return version }

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "show the skiff version and build information",
		Flags: []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template for the output"}},
		Action: func(c *cli.Context) error {
			v := versionInfo()
			if f := c.String("format"); f != "" {
				return printTemplate(c.App.Writer, f, v)
			}
			fmt.Fprintf(c.App.Writer, "Version:      %s\nGo Version:   %s\nGit Commit:   %s\nBuilt:        %s\nOS/Arch:      %s\n",
				v.Version, v.GoVersion, v.GitCommit, v.Built, v.OsArch)
			return nil
		},
	}
}

// versionReport is what `skiff version --format` sees; field names follow podman's .Client section.
type versionReport struct {
	Version   string
	GoVersion string
	GitCommit string
	Built     string
	OsArch    string
}

func versionInfo() versionReport {
	v := versionReport{Version: version, GoVersion: runtime.Version(), OsArch: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.GitCommit = s.Value
			case "vcs.time":
				v.Built = s.Value
			}
		}
	}
	return v
}
