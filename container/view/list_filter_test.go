package view

import (
	"testing"

	"github.com/skiffproject/skiff/container"
)

func TestCompileFiltersLabels(t *testing.T) {
	db := &container.Container{Config: container.Config{Labels: map[string]string{"project": "p", "service": "db"}}}
	web := &container.Container{Config: container.Config{Labels: map[string]string{"project": "p", "service": "web"}}}
	tests := []struct {
		name    string
		filters []string
		db, web bool
	}{
		{"one label", []string{"label=project=p"}, true, true},
		{"labels must all match", []string{"label=project=p", "label=service=db"}, true, false},
		{"a key alone", []string{"label=service"}, true, true},
		{"no match", []string{"label=project=q"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, err := compileFilters(tt.filters)
			if err != nil {
				t.Fatal(err)
			}
			if got := match(db); got != tt.db {
				t.Errorf("db matches %v, want %v", got, tt.db)
			}
			if got := match(web); got != tt.web {
				t.Errorf("web matches %v, want %v", got, tt.web)
			}
		})
	}
}
