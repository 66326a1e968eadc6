package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/urfave/cli/v2"
)

// version is set at build time: -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func versionString() string { return version }

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "show the skiff version and build information",
		ArgsUsage: "\n\nEXAMPLE:\n   skiff version --format '{{.Client.Version}}'",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template for the output"}},
		Action: func(c *cli.Context) error {
			v := versionInfo()
			if f := c.String("format"); f != "" {
				return printTemplate(c.App.Writer, f, v)
			}
			fmt.Fprintf(c.App.Writer, "Version:      %s\nAPI Version:  %s\nGo Version:   %s\nGit Commit:   %s\nBuilt:        %s\nOS/Arch:      %s\n",
				v.Version, v.APIVersion, v.GoVersion, v.GitCommit, v.BuiltTime, v.OsArch)
			return nil
		},
	}
}

// versionReport is what `skiff version --format` sees, shaped like Podman's: {{.Client.Version}} and, as a
// local Podman answers, {{.Server.Version}} (the same engine); the client's fields also at the top level
// ({{.Version}}), which Podman's templates accept too.
type versionReport struct {
	engineVersion
	Client *engineVersion
	Server *engineVersion
}

// MarshalJSON prints {"Client": …} as a local Podman does.
func (v versionReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ Client *engineVersion }{v.Client})
}

// engineVersion has the field names of Podman's define.Version.
type engineVersion struct {
	APIVersion string
	Version    string
	GoVersion  string
	GitCommit  string
	BuiltTime  string
	Built      int64
	OsArch     string
	Os         string
}

func versionInfo() versionReport {
	v := engineVersion{APIVersion: version, Version: version, GoVersion: runtime.Version(), OsArch: runtime.GOOS + "/" + runtime.GOARCH, Os: runtime.GOOS}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.GitCommit = s.Value
			case "vcs.time":
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					v.Built, v.BuiltTime = t.Unix(), t.Format(time.ANSIC)
				}
			}
		}
	}
	return versionReport{engineVersion: v, Client: &v, Server: &v}
}
