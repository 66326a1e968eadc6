// Package record keeps the engine's state on disk so that a killed command leaves a consistent store: the
// one atomic-write helper ([WriteFile], [WriteJSON]), the one lock ([Lock], on containers/storage's
// pkg/lockfile) and [Store], a directory of JSON records with a lock per record, a lock for the whole
// store, listing, and repair after a kill ([Store.Repair]).
//
// # Writes
//
// A write goes to a temporary file in the target's directory, is synced, renamed over the target, and the
// directory is synced: a killed writer or a crash of the machine leaves the old content or the new, never
// a mix. The temporary file is named .tmp-PID-START-RANDOM.BASE after the writer's process identity
// (package proc), so that [Sweep] removes exactly the leftovers of writers that no longer run and never
// the file a live writer is about to rename.
//
// # Locks
//
// A [Lock] is an exclusive lock on a lock file: between processes a POSIX record lock, within a process a
// mutex (pkg/lockfile). A killed holder's lock is released by the kernel. Lock files are never the
// records themselves; a store keeps them beside its records or in the runtime directory.
//
// # What a store defines
//
// A [Store] lays its records out flat (DIR/ID.json) or one directory per record (DIR/ID/FILE). A record
// directory without its record file is incomplete: a create that was killed, or a directory some other
// program made. [Store.List] and [Store.Repair] report incomplete records; each store decides what they
// mean (the containers show them as incomplete, the volumes leave them alone, as Podman's volumes look
// the same).
//
// It belongs to the services layer (test/layers): it imports only package proc of the project; it must
// not import another service, the engine or anything above it.
package record
