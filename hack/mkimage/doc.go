// Command mkimage builds skiff's test images as OCI image layouts from
// declarative layer specs and pushes them to the local test registry.
//
//	mkimage [-registry 127.0.0.1:5000] [-out DIR] [-busybox PATH] [-rootfs DIR] [-reuse] IMAGE...
//
// IMAGE is busybox, layers or distro. Images are reproducible: a rebuild
// gives the same manifest digest, and a tag the registry already serves with
// that digest is not pushed again.
//
// It belongs to the tests and tools layer (test/layers): it must not import a front end's package
// (cmd/…: executables are run, not imported), and no other layer imports it.
package main
