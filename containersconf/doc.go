// Package containersconf reads containers.conf modules (Podman's `--module NAME`): containers.conf
// fragments that set defaults for one invocation, such as the hpc module shipped with skiff.
//
// A module NAME is NAME.conf (or NAME itself when it ends in .conf) in the user's
// $XDG_CONFIG_HOME/containers/containers.conf.modules (~/.config when unset), then
// /etc/containers/containers.conf.modules, then /usr/share/containers/containers.conf.modules; an absolute
// path is used as it is. Skiff's own modules (hpc) are built in and used when no file of that name exists.
// skiff applies the [containers] settings listed in Containers; a module setting anything else is refused.
//
// It belongs to the ground layer (test/layers): it must not import any other skiff package, so that
// every layer may use it.
package containersconf
