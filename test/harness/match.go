package harness

import "regexp"

// Matches reports whether s matches the regular expression re (multi-line mode).
func Matches(re, s string) bool { return regexp.MustCompile("(?m)" + re).MatchString(s) }

// Quote escapes s for use in a regular expression.
func Quote(s string) string { return regexp.QuoteMeta(s) }
