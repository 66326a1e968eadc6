package userns

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Range is one subordinate ID range from /etc/subuid or /etc/subgid: Count IDs starting at Start.
type Range struct {
	Start, Count uint32
}

// ParseSubIDs returns the ranges in r (in the format of /etc/subuid) that belong to the user called name or
// with the numeric ID id, in file order. Comments, blank lines and malformed lines are skipped; malformed
// lines are returned as warnings so that one bad line does not hide every range.
func ParseSubIDs(r io.Reader, name string, id int) (ranges []Range, warnings []string, err error) {
	idStr := strconv.Itoa(id)
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, ":")
		if len(f) != 3 {
			warnings = append(warnings, fmt.Sprintf("line %d: want NAME:START:COUNT, got %q", line, text))
			continue
		}
		if f[0] != name && f[0] != idStr {
			continue
		}
		start, err1 := strconv.ParseUint(f[1], 10, 32)
		count, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || count == 0 || start+count > 1<<32 {
			warnings = append(warnings, fmt.Sprintf("line %d: bad range %q", line, text))
			continue
		}
		ranges = append(ranges, Range{Start: uint32(start), Count: uint32(count)})
	}
	return ranges, warnings, sc.Err()
}

// readSubIDs reads the ranges of a user from a subordinate ID file. A missing file means no ranges.
func readSubIDs(path, name string, id int) ([]Range, []string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	ranges, warnings, err := ParseSubIDs(f, name, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	for i := range warnings {
		warnings[i] = path + ": " + warnings[i]
	}
	return ranges, warnings, nil
}
