package main

import (
	"github.com/urfave/cli/v2"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
	"github.com/skiffproject/skiff/netbridge"
)

// networkCommand is the `skiff network` noun: user-defined networks (package netbridge). There is no
// default network: containers without --network NAME keep slirp4netns or pasta.
func networkCommand() *cli.Command {
	return &cli.Command{
		Name:  "network",
		Usage: "manage user-defined networks (containers on one network reach each other by name)",
		Subcommands: []*cli.Command{
			networkCreateCommand(),
			networkListCommand(),
			networkInspectCommand(),
			networkRemoveCommand(),
			networkPruneCommand(),
			networkConnectCommand(),
			networkDisconnectCommand(),
			networkExistsCommand(),
		},
	}
}

// bridgeFlags are the flags of create and run for user-defined networks.
func bridgeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "network-alias", Usage: "another DNS `NAME` of the container on its first network"},
		&cli.StringFlag{Name: "ip", Usage: "IPv4 `ADDRESS` of the container on its first network"},
	}
}

// openNetworks enters the user's namespace and opens the network store, with the container engine
// telling it which containers use a network. The caller must call done.
func openNetworks(c *cli.Context) (*netbridge.Store, *container.Engine, func(), error) {
	store, err := openStore(c)
	if err != nil {
		return nil, nil, nil, err
	}
	done := func() { _, _ = store.Shutdown(false) }
	ns, err := netbridge.Open(store.GraphRoot())
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	e := container.New(store, container.EngineOptions{Runtime: c.String("runtime")})
	ns.Users = func(name string) ([]string, error) { return view.NetworkUsers(e, name) }
	ns.RemoveUsers = func(names []string) error {
		for _, n := range names {
			if err := e.Remove(c.Context, n, container.RemoveOptions{Force: true}); err != nil {
				return err
			}
		}
		return nil
	}
	return ns, e, done, nil
}
