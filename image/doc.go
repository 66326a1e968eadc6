// Package image implements skiff's image verbs on top of containers/storage and containers/image:
// pulling, listing, inspecting, tagging, removing and pruning images, and logging in to registries.
//
// Every function takes the store it works on and a typed options struct; nothing here knows about the
// command line. Local names are resolved the way Podman does (see [Lookup]); errors name the action and
// the object and wrap the library's sentinel errors (storage.ErrImageUnknown,
// storage.ErrImageUsedByContainer) so callers can branch with errors.Is.
//
// It belongs to the services layer (test/layers): it may import the ground layer and other services; it
// must not import the engine (container), the packages built on it (pods, kube, system) or a front end
// (cmd/…, api/).
package image
