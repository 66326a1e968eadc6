package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/skiffproject/skiff/api"
	"github.com/skiffproject/skiff/userns"
)

// errNoCompose reports that neither the docker compose plugin nor docker-compose is installed.
var errNoCompose = errors.New("no docker compose found")

// composePluginDirs are where the docker CLI looks for its plugins, after $DOCKER_CONFIG/cli-plugins and
// ~/.docker/cli-plugins.
var composePluginDirs = []string{
	"/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
	"/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins",
}

// composeCommand is `skiff compose`: docker compose against an API service skiff serves for as long as
// compose runs, as `podman compose` does.
func composeCommand() *cli.Command {
	return &cli.Command{
		Name:  "compose",
		Usage: "run docker compose against skiff (the docker compose plugin, else docker-compose)",
		ArgsUsage: "[COMPOSE-ARGS...]\n\n" +
			"skiff serves the Docker API on a private socket while compose runs, with DOCKER_HOST pointing at it;\n" +
			"compose's exit code is skiff's.\n\n" +
			"EXAMPLE:\n   skiff compose up -d\n   skiff compose -f app.yaml down -v",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			provider, err := findCompose()
			if err != nil {
				return err
			}
			store, err := openStore(c) // enters the user namespace: the service and compose run in it
			if err != nil {
				return err
			}
			defer func() { _, _ = store.Shutdown(false) }()
			sock := filepath.Join(userns.RuntimeDir(), "skiff", fmt.Sprintf("compose-%d.sock", os.Getpid()))
			l, err := serviceListener(false, "unix", sock)
			if err != nil {
				return err
			}
			defer os.Remove(sock)
			ctx, cancel := context.WithCancel(c.Context)
			served := make(chan error, 1)
			go func() { served <- api.New(serviceOptions(c, store, 0)).Serve(ctx, l) }()
			code, err := runCompose(provider, c.Args().Slice(), "unix://"+sock)
			cancel()
			if serr := <-served; serr != nil {
				logrus.Warnf("compose: the API service: %v", serr)
			}
			if err != nil {
				return err
			}
			if code != 0 {
				return withCode(code, nil)
			}
			return nil
		},
	}
}

// findCompose returns the compose to run: the docker CLI's compose plugin (compose v2 and later, which
// runs standalone when executed directly), else docker-compose from PATH.
func findCompose() (string, error) {
	var dirs []string
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		dirs = append(dirs, filepath.Join(d, "cli-plugins"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".docker", "cli-plugins"))
	}
	for _, d := range append(dirs, composePluginDirs...) {
		p := filepath.Join(d, "docker-compose")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("compose: %w: install the docker compose plugin (in ~/.docker/cli-plugins or /usr/local/lib/docker/cli-plugins) or docker-compose", errNoCompose)
}

// runCompose runs compose with DOCKER_HOST set to host and returns its exit code. compose stays in
// skiff's process group, so a terminal's Ctrl-C reaches it directly (compose then stops the project
// through the service, which keeps serving); termination signals sent to skiff alone are passed on.
func runCompose(provider string, args []string, host string) (int, error) {
	cmd := exec.Command(provider, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(composeEnv(os.Environ()), "DOCKER_HOST="+host)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("compose: start %s: %w", provider, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			if sig != syscall.SIGINT || !foregroundOnTerminal() {
				_ = cmd.Process.Signal(sig)
			}
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return 128 + int(ws.Signal()), nil
				}
				return ee.ExitCode(), nil
			}
			if err != nil {
				return 0, fmt.Errorf("compose: %s: %w", provider, err)
			}
			return 0, nil
		}
	}
}

// foregroundOnTerminal reports whether skiff's process group is the foreground group of the terminal
// on its standard input: a Ctrl-C there has reached compose already, and must not reach it twice
// (compose's second Ctrl-C kills the containers instead of stopping them).
func foregroundOnTerminal() bool {
	pgrp, err := unix.IoctlGetInt(int(os.Stdin.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

// composeEnv drops what would point compose at another engine than skiff's service.
func composeEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == "DOCKER_HOST" || k == "DOCKER_CONTEXT" || k == "DOCKER_TLS_VERIFY" || k == "DOCKER_CERT_PATH" {
			continue
		}
		out = append(out, kv)
	}
	return out
}
