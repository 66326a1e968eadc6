// Package system reports on, cleans and resets the user's skiff installation as a whole: `skiff info`,
// `system df`, `system prune`, `system reset` (every container, pod, network, volume, image and piece of
// state of the user, and the pause process) and `system check` (the host's blockers and degradations,
// the store's check and repair). It works through the engines of the other packages (Engines) and owns
// no records of its own.
//
// It belongs to the engine users layer (test/layers): it may import the engine and the layers below it;
// it must not import a front end (cmd/…, api/).
package system
