package systemd

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Quote returns arg as one word of a unit file's command line (ExecStart= and the like) that systemd splits
// back into exactly arg: a word with whitespace, quotes, backslashes or control characters is put in double
// quotes with C escapes, a word without them is returned as it is. Specifiers (%n) and variables ($HOME)
// are kept: systemd still expands them. Use QuoteLiteral for a value that must arrive byte for byte.
func Quote(arg string) string {
	if !needsQuotes(arg) {
		return arg
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(arg); {
		r, size := utf8.DecodeRuneInString(arg[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, arg[i])
			i++
			continue
		}
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				b.WriteRune(r)
			}
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteLiteral is Quote for a value that systemd must pass on unchanged: % is doubled so that it is no
// specifier, and $ is doubled so that it is no variable.
func QuoteLiteral(arg string) string {
	arg = strings.ReplaceAll(arg, "%", "%%")
	arg = strings.ReplaceAll(arg, "$", "$$")
	return Quote(arg)
}

// JoinCommand quotes every argument with Quote and joins them with spaces.
func JoinCommand(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = Quote(a)
	}
	return strings.Join(words, " ")
}

func needsQuotes(arg string) bool {
	if arg == "" || arg == ";" {
		return true
	}
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		if c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '\\' {
			return true
		}
	}
	return !utf8.ValidString(arg)
}

// Errors of SplitCommand.
var (
	ErrUnterminatedQuote = errors.New("unterminated quote")
	ErrTrailingBackslash = errors.New("trailing backslash")
)

// SplitCommand splits a command line as systemd splits ExecStart=: words are separated by whitespace,
// single and double quotes group (anywhere in a word), and C escapes (\n, \t, \", \\, \xNN, \uNNNN, \NNN
// octal, \s for a space) are decoded inside and outside quotes; an unknown escape is kept as it is.
// Specifiers and variables are left alone.
func SplitCommand(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, ErrTrailingBackslash
			}
			n, consumed := unescape(s[i+1:])
			w.WriteString(n)
			i += consumed
			inWord = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				w.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
			inWord = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, ErrUnterminatedQuote
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// unescape decodes the escape sequence at the start of s (what follows a backslash) and returns the
// decoded text and how many bytes of s it used.
func unescape(s string) (string, int) {
	simple := map[byte]string{'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v",
		'\\': "\\", '"': "\"", '\'': "'", 's': " "}
	c := s[0]
	if v, ok := simple[c]; ok {
		return v, 1
	}
	hex := func(n int) (rune, bool) {
		if len(s) < 1+n {
			return 0, false
		}
		var v rune
		for _, d := range s[1 : 1+n] {
			switch {
			case d >= '0' && d <= '9':
				v = v*16 + d - '0'
			case d >= 'a' && d <= 'f':
				v = v*16 + d - 'a' + 10
			case d >= 'A' && d <= 'F':
				v = v*16 + d - 'A' + 10
			default:
				return 0, false
			}
		}
		return v, true
	}
	switch c {
	case 'x':
		if v, ok := hex(2); ok {
			return string([]byte{byte(v)}), 3
		}
	case 'u':
		if v, ok := hex(4); ok {
			return string(v), 5
		}
	case 'U':
		if v, ok := hex(8); ok && utf8.ValidRune(v) {
			return string(v), 9
		}
	case '0', '1', '2', '3':
		if len(s) >= 3 && isOctal(s[1]) && isOctal(s[2]) {
			return string([]byte{(c-'0')<<6 | (s[1]-'0')<<3 | (s[2] - '0')}), 3
		}
	}
	// Unknown escape: keep it, as systemd does in relaxed mode.
	return "\\" + string(c), 1
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
