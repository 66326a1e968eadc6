// Package volume keeps the user's named volumes and turns a container's mount specs (package
// mountflag) into OCI mounts.
//
// # Store
//
// Volumes live in the user's storage, where Podman keeps them: <graphroot>/volumes/NAME/_data is the
// data, <graphroot>/volumes/NAME/volume.json the metadata. The layout is plain files, so volumes
// survive skiff upgrades and a reset of the container state. Every change takes the store's lock
// (volumes/.lock, package record) and is atomic for a killed command: a volume is built in a hidden
// directory and renamed into place, metadata is replaced by rename, and removal renames the volume out
// of the way before deleting it; hidden leftovers are cleared by the next change. Readers (ls, inspect)
// never lock.
//
// # Containers
//
// The store does not know containers: [Store.Users], which the container lifecycle supplies from its
// records, says which containers use a volume (volume rm refuses those, naming them; prune skips them;
// dangling= asks). A container's mounts are recorded as []mountflag.Spec. The lifecycle calls:
//
//  1. When it reads the flags of create and run, before opening the store: mountflag.Parse (every
//     -v, --mount, --tmpfs and --volumes-from; a bad one is one line, exit 125, nothing created) and
//     [CheckSpecs] (volume-opt= values).
//  2. At create, once the image is resolved: mountflag.Inherit for each --volumes-from container (its
//     recorded specs), mountflag.AddImageVolumes with the keys of the image config's Volumes, then
//     [Store.Prepare], which names anonymous volumes and creates missing named ones. Record the specs
//     Prepare returns in the container; if the create fails afterwards, call the undo it returned.
//  3. At each start, with the root file system mounted and the process user resolved (after keep-id's
//     account, see runtime/spec.AddAccount): [Store.Mounts] with a [Target] (the rootfs, the user's
//     container IDs, and the container's ID maps if it has its own user namespace). Append the mounts it
//     returns to spec.Options.Mounts. If Mounts succeeded, one [Store.Release] is owed: call it in the
//     clean-up of that run (the container stopped, or the start failed later).
//  4. At rm -v, and for run --rm, after the container's record is gone: [Store.RemoveAnonymous] with
//     its specs. Plain rm keeps anonymous volumes (they become dangling), as in Podman.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package volume
