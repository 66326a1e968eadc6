package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containers/storage"
	"github.com/coreos/go-systemd/v22/activation"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/api"
	"github.com/skiffproject/skiff/build"
	"github.com/skiffproject/skiff/system"
	"github.com/skiffproject/skiff/systemd/notify"
	"github.com/skiffproject/skiff/userns"
)

// systemServiceCommand is `skiff system service`: the Docker Engine API on a socket, for as long as
// clients use it.
func systemServiceCommand() *cli.Command {
	return &cli.Command{
		Name:  "service",
		Usage: "serve the Docker Engine API (docker CLI, docker compose) until no client has been connected for --time seconds",
		ArgsUsage: "[URI]\n\n" +
			"URI is unix:///PATH (default unix://$XDG_RUNTIME_DIR/skiff/skiff.sock) or tcp://127.0.0.1:PORT.\n" +
			"Under systemd socket activation (skiff.socket) the socket systemd passes is used instead.\n\n" +
			"EXAMPLE:\n   skiff system service --time 0 &\n   DOCKER_HOST=unix://$XDG_RUNTIME_DIR/skiff/skiff.sock docker ps",
		Flags: []cli.Flag{
			&cli.UintFlag{Name: "time", Aliases: []string{"t"}, Value: 5, Usage: "exit after `SECONDS` without an open connection (0: never)"},
			&cli.BoolFlag{Name: "allow-remote", Usage: "allow a tcp:// address other than loopback: anyone who reaches it controls your containers"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("system service takes at most one URI, got %d arguments", c.NArg())
			}
			network, addr, err := serviceAddress(c.Args().First(), c.Bool("allow-remote"))
			if err != nil {
				return err
			}
			store, err := openStore(c) // enters the user namespace first: the socket is created inside it
			if err != nil {
				return err
			}
			defer store.Shutdown(false)
			stderrLog.release() // a service logs as it goes
			// The service manager's notify socket is the service's own: no container may see it.
			socket := notify.Socket()
			os.Unsetenv(notify.EnvSocket)
			l, err := serviceListener(c.Args().First() != "", network, addr)
			if err != nil {
				return err
			}
			defer l.Close()
			srv := api.New(serviceOptions(c, store, time.Duration(c.Uint("time"))*time.Second))
			if err := notify.Send(socket, notify.Ready); err != nil && !errors.Is(err, notify.ErrNoSocket) {
				logrus.Warn(err)
			}
			logrus.Infof("serving the Docker API on %s", l.Addr())
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return srv.Serve(ctx, l)
		},
	}
}

// serviceOptions are the API server's options from the global flags: the store, the container engine's
// options, skiff's version and the storage flags the build helper repeats.
func serviceOptions(c *cli.Context, store storage.Store, idle time.Duration) api.Options {
	return api.Options{
		Store:       store,
		Engine:      engineOptions(c),
		Version:     system.VersionInfo(versionInfo().engineVersion),
		IdleTimeout: idle,
		Storage: build.StorageOptions{GraphRoot: c.String("root"), RunRoot: c.String("runroot"),
			Driver: c.String("storage-driver"), DriverOptions: c.StringSlice("storage-opt")},
	}
}

// serviceAddress checks a URI: unix://PATH, or tcp://HOST:PORT where HOST is loopback unless
// allowRemote. "" is the default socket.
func serviceAddress(uri string, allowRemote bool) (network, addr string, err error) {
	if uri == "" {
		return "unix", filepath.Join(userns.RuntimeDir(), "skiff", "skiff.sock"), nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", "", fmt.Errorf("system service: URI %q: %w (want unix:///PATH or tcp://127.0.0.1:PORT)", uri, err)
	}
	switch u.Scheme {
	case "unix":
		path := u.Path
		if u.Host != "" {
			path = u.Host + u.Path // unix://relative/path
		}
		if !filepath.IsAbs(path) {
			return "", "", fmt.Errorf("system service: URI %q: want an absolute path, unix:///PATH", uri)
		}
		return "unix", path, nil
	case "tcp":
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil || port == "" {
			return "", "", fmt.Errorf("system service: URI %q: want tcp://HOST:PORT", uri)
		}
		if !isLoopback(host) {
			if !allowRemote {
				return "", "", fmt.Errorf("system service: %s is not a loopback address: anyone who reaches it controls your containers (hint: pass --allow-remote to accept that)", host)
			}
			logrus.Warnf("system service: serving the Docker API without authentication on %s: anyone who reaches it controls your containers", u.Host)
		}
		return "tcp", u.Host, nil
	}
	return "", "", fmt.Errorf("system service: URI %q: unknown scheme %q (want unix or tcp)", uri, u.Scheme)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serviceListener returns the socket systemd passed (socket activation), else listens on addr. A unix
// socket is the user's only (0600), and a stale one left by a killed service is replaced.
func serviceListener(explicit bool, network, addr string) (net.Listener, error) {
	activated, err := activation.Listeners() // also unsets LISTEN_*, so that no container inherits them
	if err != nil {
		return nil, fmt.Errorf("system service: read the sockets systemd passed: %w", err)
	}
	if len(activated) > 0 {
		if explicit {
			return nil, errors.New("system service: started by socket activation: drop the URI, the socket unit names the address")
		}
		for _, l := range activated[1:] {
			l.Close()
		}
		return activated[0], nil
	}
	if network != "unix" {
		l, err := net.Listen(network, addr)
		if err != nil {
			return nil, fmt.Errorf("system service: listen on %s: %w", addr, err)
		}
		return l, nil
	}
	if err := os.MkdirAll(filepath.Dir(addr), 0o700); err != nil {
		return nil, fmt.Errorf("system service: create %s: %w", filepath.Dir(addr), err)
	}
	if fi, err := os.Lstat(addr); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("system service: %s exists and is not a socket", addr)
		}
		if conn, err := net.DialTimeout("unix", addr, time.Second); err == nil {
			conn.Close()
			return nil, fmt.Errorf("system service: %s: another service is listening there", addr)
		}
		if err := os.Remove(addr); err != nil {
			return nil, fmt.Errorf("system service: remove the stale socket %s: %w", addr, err)
		}
	}
	old := syscall.Umask(0o177) // the socket is born 0600: no window where others could connect
	l, err := net.Listen("unix", addr)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("system service: listen on %s: %w", addr, err)
	}
	return l, nil
}
