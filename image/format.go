package image

import (
	"strings"
	"time"
	"unicode"

	"github.com/docker/go-units"
)

// HumanSize formats a byte count the way Podman's tables do: three significant digits and a space
// before the unit ("4.27 MB").
func HumanSize(size int64) string {
	s := units.HumanSizeWithPrecision(float64(size), 3)
	i := strings.LastIndexFunc(s, unicode.IsNumber)
	return s[:i+1] + " " + s[i+1:]
}

// HumanSince formats t relative to now the way Docker and Podman do ("2 hours ago").
func HumanSince(t time.Time) string {
	return units.HumanDuration(time.Since(t)) + " ago"
}
