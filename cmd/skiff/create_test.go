package main

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/container"
)

// parseCreate runs args through the run flags (as newApp configures parsing) and returns the options.
func parseCreate(t *testing.T, args ...string) (container.CreateOptions, error) {
	t.Helper()
	var got container.CreateOptions
	var gotErr error
	setCLIDefaults()
	app := &cli.App{
		Name:                      "skiff",
		UseShortOptionHandling:    true,
		DisableSliceFlagSeparator: true,
		Flags:                     globalFlags(),
		ExitErrHandler:            func(*cli.Context, error) {},
		Writer:                    io.Discard,
		ErrWriter:                 io.Discard,
		Commands: []*cli.Command{{
			Name:  "run",
			Flags: runCommand().Flags,
			Action: func(c *cli.Context) error {
				got, gotErr = createOptions(c)
				return nil
			},
		}},
	}
	if err := app.Run(append([]string{"skiff", "run"}, args...)); err != nil {
		return got, err
	}
	return got, gotErr
}

func TestCreateOptions(t *testing.T) {
	t.Setenv("FROM_HOST", "h")
	tests := []struct {
		name    string
		args    []string
		check   func(o container.CreateOptions) bool
		wantErr string
	}{
		{"image and command", []string{"img", "sh", "-c", "echo -n hi"}, func(o container.CreateOptions) bool {
			return o.Image == "img" && reflect.DeepEqual(o.Command, []string{"sh", "-c", "echo -n hi"})
		}, ""},
		{"combined short flags", []string{"-it", "--rm", "img"}, func(o container.CreateOptions) bool {
			return o.Interactive && o.Terminal && o.AutoRemove
		}, ""},
		{"env values keep commas", []string{"-e", "A=1,2", "-e", "FROM_HOST", "img"}, func(o container.CreateOptions) bool {
			return reflect.DeepEqual(o.Env, []string{"A=1,2", "FROM_HOST=h"})
		}, ""},
		{"caps split on commas", []string{"--cap-add", "net_raw,sys_time", "--cap-drop", "ALL", "img"}, func(o container.CreateOptions) bool {
			return reflect.DeepEqual(o.CapAdd, []string{"net_raw", "sys_time"}) && reflect.DeepEqual(o.CapDrop, []string{"ALL"})
		}, ""},
		{"entrypoint cleared", []string{"--entrypoint", "", "img"}, func(o container.CreateOptions) bool {
			return o.EntrypointSet && o.Entrypoint == nil
		}, ""},
		{"no entrypoint flag", []string{"img"}, func(o container.CreateOptions) bool { return !o.EntrypointSet && o.StopTimeout == nil }, ""},
		{"stop timeout", []string{"--stop-timeout", "3", "--stop-signal", "USR1", "img"}, func(o container.CreateOptions) bool {
			return o.StopTimeout != nil && *o.StopTimeout == 3 && o.StopSignal == unix.SIGUSR1
		}, ""},
		{"restart", []string{"--restart", "on-failure:2", "img"}, func(o container.CreateOptions) bool {
			return o.Restart.Name == "on-failure" && o.Restart.MaxRetries == 2
		}, ""},
		{"restart count", []string{"--restart", "always:3", "img"}, nil, "a retry count is only allowed with on-failure"},
		{"sdnotify", []string{"--sdnotify", "healthy", "img"}, nil, "skiff has no health checks"},
		{"labels", []string{"-l", "a=b", "-l", "c", "img"}, func(o container.CreateOptions) bool {
			return reflect.DeepEqual(o.Labels, map[string]string{"a": "b", "c": ""})
		}, ""},
		{"flags after the image belong to the command", []string{"img", "ls", "-l", "--rm"}, func(o container.CreateOptions) bool {
			return !o.AutoRemove && reflect.DeepEqual(o.Command, []string{"ls", "-l", "--rm"})
		}, ""},
		{"pull policy", []string{"--pull", "never", "img"}, func(o container.CreateOptions) bool { return o.Pull == container.PullNever }, ""},
		{"no image", nil, nil, "no image given"},
		{"bad env", []string{"-e", "=x", "img"}, nil, "empty variable name"},
		{"bad pull", []string{"--pull", "sometimes", "img"}, nil, "--pull"},
		{"bad log driver", []string{"--log-driver", "syslog", "img"}, nil, "--log-driver"},
		{"bad stop signal", []string{"--stop-signal", "NOPE", "img"}, nil, "--stop-signal"},
		{"replace without name", []string{"--replace", "img"}, nil, "--replace needs --name"},
		{"unknown flag", []string{"--bogus", "img"}, nil, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseCreate(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(o) {
				t.Errorf("options = %+v", o)
			}
		})
	}
}
