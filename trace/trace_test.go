package trace

import (
	"bytes"
	"regexp"
	"testing"
	"time"
)

func TestPhases(t *testing.T) {
	enabled = true
	defer func() { enabled = false }()
	start := Now()
	time.Sleep(2 * time.Millisecond)
	Begin(start, Now())
	Mark("first")
	time.Sleep(3 * time.Millisecond)
	Mark("second")
	var b bytes.Buffer
	Print(&b)
	out := b.String()
	for _, want := range []string{
		`(?m)^  constructor: join the user namespace +[0-9.]+ ms$`,
		`(?m)^  Go runtime start and package inits +[0-9.]+ ms$`,
		`(?m)^  first +[0-9.]+ ms$`,
		`(?m)^  second +([3-9]|[1-9][0-9]+)\.[0-9]+ ms$`,
		`(?m)^  total +([5-9]|[1-9][0-9]+)\.[0-9]+ ms$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("trace lacks %s:\n%s", want, out)
		}
	}
}

func TestDisabledRecordsNothing(t *testing.T) {
	enabled = false
	rows = nil
	Begin(1, 2)
	Mark("x")
	var b bytes.Buffer
	Print(&b)
	if b.Len() != 0 || len(rows) != 0 {
		t.Errorf("disabled trace recorded %v and printed %q", rows, b.String())
	}
}
