package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/go-units"

	"github.com/skiffproject/skiff/runtime/monitor"
)

// LogOptions are the --log-opt values.
type LogOptions struct {
	// Path is where a k8s-file log goes ("" = the container's directory).
	Path string `json:"path,omitempty"`
	// MaxSize rotates a k8s-file log at this many bytes: the full file becomes PATH.1 (replacing the
	// last one) and logs reads both; 0 = never.
	MaxSize int64 `json:"maxSize,omitempty"`
	// Tag is the journald driver's CONTAINER_TAG and SYSLOG_IDENTIFIER ("" = the container's name).
	Tag string `json:"tag,omitempty"`
}

// minLogSize is the smallest max-size: a rotation per line would lose the previous ones.
const minLogSize = 4096

// ParseLogOpts parses --log-opt KEY=VALUE values: path, max-size and tag.
func ParseLogOpts(values []string) (LogOptions, error) {
	var o LogOptions
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok || val == "" {
			return o, fmt.Errorf("--log-opt %q: want KEY=VALUE (path, max-size or tag)", v)
		}
		switch k {
		case "path":
			if !filepath.IsAbs(val) {
				abs, err := filepath.Abs(val)
				if err != nil {
					return o, fmt.Errorf("--log-opt %s: %w", v, err)
				}
				val = abs
			}
			o.Path = filepath.Clean(val)
		case "max-size":
			n, err := units.RAMInBytes(val)
			if err != nil || n < minLogSize {
				return o, fmt.Errorf("--log-opt %s: want a size of at least 4k, such as 10m", v)
			}
			o.MaxSize = n
		case "tag":
			o.Tag = val
		default:
			return o, fmt.Errorf("--log-opt %q: unknown option %q: want path, max-size or tag", v, k)
		}
	}
	return o, nil
}

// checkLogOpts refuses options the driver would not use.
func checkLogOpts(driver string, o LogOptions) error {
	switch {
	case driver != monitor.LogK8sFile && (o.Path != "" || o.MaxSize != 0):
		return fmt.Errorf("--log-opt path and max-size apply to the k8s-file (json-file) driver, not %s", driver)
	case driver != monitor.LogJournald && o.Tag != "":
		return fmt.Errorf("--log-opt tag: only the journald driver records a tag (k8s-file lines have no field for it)")
	}
	if o.Path != "" {
		if st, err := os.Stat(filepath.Dir(o.Path)); err != nil || !st.IsDir() {
			return fmt.Errorf("--log-opt path=%s: the directory %s does not exist", o.Path, filepath.Dir(o.Path))
		}
	}
	return nil
}

// logPath is the k8s-file log of c.
func (e *Engine) logPath(c *Container) string {
	if c.Config.LogOpts.Path != "" {
		return c.Config.LogOpts.Path
	}
	return e.defaultLogPath(c.ID)
}

// RotatedLogPath is where a k8s-file log's previous part goes when it reaches max-size.
func RotatedLogPath(path string) string { return path + ".1" }
