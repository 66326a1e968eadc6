// Package build runs `skiff build`: it checks the options, prepares the context directory and hands the
// build to skiff-build, a helper executable that links buildah's imagebuildah.
//
// Buildah (and what it drags in: buildkit's parser, imagebuilder, libnetwork, …) lives in a module of its
// own under build/helper, built into bin/skiff-build next to bin/skiff. Go runs every linked package's
// init at every start, and skiff's other verbs must not pay for buildah's at each start; nor must the
// engine's own dependencies (runtime-tools, runc, x/sys) move to the versions buildah needs. skiff
// enters the user namespace and opens nothing else; the helper, started from inside that namespace,
// opens the same store and builds.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package build
