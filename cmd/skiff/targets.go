package main

import (
	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/container/view"
)

// filterTargets applies --all and --filter of start and stop (skiff-restart.service runs
// `start --all --filter restart-policy=always`). With all it returns the IDs of every container that
// matches filters and is running (running true) or not running (running false); otherwise the given
// names that match filters, keeping names that match no container for the verb to report.
func filterTargets(e *container.Engine, names []string, all bool, filters []string, running bool) ([]string, error) {
	if !all && len(filters) == 0 {
		return names, nil
	}
	rows, err := view.List(e, view.ListOptions{All: true, Filters: filters, NoTrunc: true})
	if err != nil {
		return nil, err
	}
	var ids []string
	match := map[string]bool{}
	for _, r := range rows {
		up := r.State == container.StatusRunning || r.State == container.StatusPaused || r.State == container.StatusStopping
		if up == running {
			ids = append(ids, r.ID)
		}
		match[r.ID] = true
	}
	if all {
		return ids, nil
	}
	var out []string
	for _, n := range names {
		if c, err := e.Get(n); err != nil || match[c.ID] {
			out = append(out, n)
		}
	}
	return out, nil
}
