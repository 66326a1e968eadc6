package image

import (
	"io"
	"os"

	"golang.org/x/term"
)

// ProgressWriter is where a verb's progress goes when it is not quiet: f itself on a terminal that
// reports its size, so that c/image draws Podman's progress bars (mpb) on it; plain "Copying blob …"
// lines otherwise: when f is a file or a pipe, and on a terminal of zero width (a pty nobody sized), where
// the bars would draw nothing at all.
func ProgressWriter(f *os.File) io.Writer {
	if term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return f
		}
	}
	return plainWriter{f}
}

// plainWriter hides the *os.File from c/image, which then prints one line per blob.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
