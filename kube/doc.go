// Package kube reads and writes Kubernetes YAML for skiff: `kube play` turns Pods and single-replica
// Deployments into skiff pods, `kube down` removes them, and `generate kube` writes a pod or a container
// as a Pod. Only the fields skiff can honour are read; a field it cannot honour is refused in one line.
//
// It belongs to the engine users layer (test/layers): it may import the engine and the layers below it;
// it must not import a front end (cmd/…, api/).
package kube
