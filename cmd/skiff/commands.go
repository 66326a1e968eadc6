package main

import "github.com/urfave/cli/v2"

// commands lists every top-level verb. Each constructor lives in a file named after its verb and returns a
// fresh *cli.Command, so the same verb can also hang below a noun (skiff image rm, skiff container ls).
func commands() []*cli.Command {
	return []*cli.Command{
		versionCommand(),
		infoCommand(),
		unshareCommand(),
		systemCommand(),
		// image verbs (image/ package)
		imageCommand(),
		pullCommand(),
		imagesCommand(),
		rmiCommand(),
		tagCommand(),
		untagCommand(),
		historyCommand(),
		inspectCommand(),
		loginCommand(),
		logoutCommand(),
		buildCommand(),
		pushCommand(),
		saveCommand(),
		loadCommand(),
		importCommand(),
		commitCommand(),
		diffCommand(),
		// container verbs
		containerCommand(),
		createCommand(),
		startCommand(),
		runCommand(),
		psCommand(),
		stopCommand(),
		killCommand(),
		rmCommand(),
		logsCommand(),
		execCommand(),
		attachCommand(),
		waitCommand(),
		topCommand(),
		renameCommand(),
		restartCommand(),
		pauseCommand(),
		unpauseCommand(),
		updateCommand(),
		statsCommand(),
		secretCommand(),
		healthcheckCommand(),
		eventsCommand(),
		portCommand(),
		cpCommand(),
		exportCommand(),
		// systemd verbs
		generateCommand(),
		quadletCommand(),
		// volume verbs
		volumeCommand(),
		// pod verbs
		podCommand(),
		// Kubernetes YAML
		kubeCommand(),
		// network verbs
		networkCommand(),
		// docker compose against skiff's Docker API
		composeCommand(),
	}
}
