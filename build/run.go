package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/containers/storage/pkg/archive"
)

// HelperName is the helper executable's name; it is looked for next to skiff's own binary.
const HelperName = "skiff-build"

// ErrNoHelper reports that skiff-build is not installed next to skiff.
var ErrNoHelper = errors.New("build helper not found")

// Helper returns the path of skiff-build next to the running skiff binary.
func Helper() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("build: find skiff's own binary: %w", err)
	}
	p := filepath.Join(filepath.Dir(self), HelperName)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s (hint: make build writes bin/%s next to bin/skiff, make install installs both)", ErrNoHelper, p, HelperName)
	}
	return p, nil
}

// ContextFromTar extracts a build context sent as a tar (skiff build -) into a new temporary directory,
// which the caller removes.
func ContextFromTar(r io.Reader) (string, error) {
	dir, err := os.MkdirTemp(os.Getenv("TMPDIR"), "skiff-build-context-")
	if err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	if err := archive.Untar(r, dir, &archive.TarOptions{NoLchown: true}); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("build context from stdin: %w (hint: send a tar archive)", err)
	}
	return dir, nil
}

// Run builds with the helper at helper, which must be started from inside the user's namespace; its
// standard streams are the build's. It returns the helper's exit code: 0, the failing RUN step's status
// or 125, the helper having printed the error.
func Run(ctx context.Context, helper string, o *Options, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("build: %w", err)
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, helper)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.ExtraFiles = []*os.File{r}
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, fmt.Errorf("build: start %s: %w", helper, err)
	}
	r.Close()
	err = json.NewEncoder(w).Encode(o)
	w.Close()
	if werr := cmd.Wait(); werr != nil {
		var ee *exec.ExitError
		if errors.As(werr, &ee) && ee.ExitCode() > 0 {
			return ee.ExitCode(), nil
		}
		return 0, fmt.Errorf("build: %s: %w", helper, werr)
	}
	if err != nil {
		return 0, fmt.Errorf("build: send the options to %s: %w", helper, err)
	}
	return 0, nil
}
