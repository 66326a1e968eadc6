package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/filters"
)

// filterArgs parses the filters query parameter ({"key": ["value"]} or {"key": {"value": true}}) and
// refuses a key outside allowed, naming the ones the endpoint takes: what names the request.
func filterArgs(r *http.Request, what string, allowed []string) (filters.Args, error) {
	raw := r.URL.Query().Get("filters")
	args, err := filters.FromJSON(raw)
	if err != nil {
		return args, badParameter("%s: filters %q: %v", what, raw, err)
	}
	for _, key := range args.Keys() {
		if !slices.Contains(allowed, key) {
			return args, badParameter("%s: unknown filter %q (skiff takes %s)", what, key, strings.Join(allowed, ", "))
		}
	}
	return args, nil
}

// filterSpecs is filterArgs as the engine packages take filters: "KEY=VALUE" strings, "label!=K=V"
// for Docker's "label!" key.
func filterSpecs(r *http.Request, what string, allowed []string) ([]string, error) {
	args, err := filterArgs(r, what, allowed)
	if err != nil {
		return nil, err
	}
	var specs []string
	for _, key := range args.Keys() {
		for _, v := range args.Get(key) {
			if k, neg := strings.CutSuffix(key, "!"); neg {
				specs = append(specs, k+"!="+v)
				continue
			}
			specs = append(specs, key+"="+v)
		}
	}
	slices.Sort(specs) // map order must not make two equal requests differ
	return specs, nil
}
