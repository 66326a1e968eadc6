package monitor

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogFormat(t *testing.T) {
	ts := time.Date(2026, 11, 22, 18, 52, 48, 610911317, time.Local)
	tests := []struct {
		name string
		data string
		want []LogLine // Time omitted
	}{
		{"one line", "hello\n", []LogLine{{Stream: "stdout", Text: "hello"}}},
		{"two lines", "a\nb\n", []LogLine{{Stream: "stdout", Text: "a"}, {Stream: "stdout", Text: "b"}}},
		{"partial", "no newline", []LogLine{{Stream: "stdout", Text: "no newline", Partial: true}}},
		{"line then partial", "a\nb", []LogLine{{Stream: "stdout", Text: "a"}, {Stream: "stdout", Text: "b", Partial: true}}},
		{"empty lines", "\n\n", []LogLine{{Stream: "stdout"}, {Stream: "stdout"}}},
		{"spaces kept", "  x  y \n", []LogLine{{Stream: "stdout", Text: "  x  y "}}},
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d stdout [FP] `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := formatLog(ts, "stdout", []byte(tt.data))
			if !strings.HasSuffix(out, "\n") {
				t.Fatalf("log %q does not end in a newline", out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("log = %q, want %d lines", out, len(tt.want))
			}
			for i, line := range lines {
				if !stamp.MatchString(line) {
					t.Errorf("line %q: want k8s-file's TIME STREAM F|P prefix", line)
				}
				got, err := ParseLogLine(line)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Time.Equal(ts) {
					t.Errorf("time = %s, want %s", got.Time, ts)
				}
				got.Time = time.Time{}
				if got != tt.want[i] {
					t.Errorf("line %d = %+v, want %+v", i, got, tt.want[i])
				}
			}
		})
	}
	if got := formatLog(time.Date(2026, 11, 22, 18, 52, 48, 610911317, time.UTC), "stderr", []byte("x\n")); !strings.HasPrefix(got, "2026-11-22T") || !strings.Contains(got, " stderr F x") {
		t.Errorf("stderr line = %q", got)
	}
}

func TestParseLogLine(t *testing.T) {
	for _, bad := range []string{"", "2026-11-22T18:52:48Z", "notatime stdout F x", "2026-11-22T18:52:48Z stdin F x", "2026-11-22T18:52:48Z stdout X x"} {
		if _, err := ParseLogLine(bad); err == nil {
			t.Errorf("ParseLogLine(%q) succeeded", bad)
		}
	}
	l, err := ParseLogLine("2026-11-22T18:52:48.610911317+00:00 stderr F a b  c")
	if err != nil || l.Stream != "stderr" || l.Text != "a b  c" || l.Partial {
		t.Errorf("ParseLogLine = %+v, %v", l, err)
	}
}

func TestParseSync(t *testing.T) {
	tests := []struct {
		in      string
		want    Process
		wantErr string
	}{
		{"ok 42 41\n", Process{Pid: 42, MonitorPid: 41}, ""},
		{"error 1\nexec: \"x\": executable file not found in $PATH", Process{}, "executable file not found"},
		{"error 2\n", Process{}, "exit status 2"},
		{"", Process{}, "without reporting"},
		{"ok x y\n", Process{}, "monitor reported"},
	}
	for _, tt := range tests {
		got, err := parseSync(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("parseSync(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("parseSync(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestReadExitFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "exit")
	if _, err := ReadExitFile(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing exit file: err = %v, want fs.ErrNotExist", err)
	}
	os.WriteFile(p, []byte("tok 137 1700000000123456789\n"), 0o600)
	e, err := ReadExitFile(p)
	if err != nil || e.Token != "tok" || e.Code != 137 || e.Finished.UnixNano() != 1700000000123456789 {
		t.Errorf("ReadExitFile = %+v, %v", e, err)
	}
	os.WriteFile(p, []byte("garbage"), 0o600)
	if _, err := ReadExitFile(p); err == nil {
		t.Error("ReadExitFile accepted garbage")
	}
}

// fakeRuntime writes a shell script that behaves like `runtime create`: it starts the "container"
// (body) in the background with the monitor's stdio, writes its PID and exits.
func fakeRuntime(t *testing.T, dir, body string) []string {
	t.Helper()
	// A background list gets /dev/null as stdin unless it is redirected from a saved copy.
	return []string{"/bin/sh", "-c", "exec 4<&0; (" + body + ") <&4 4<&- & echo $! > " + filepath.Join(dir, "pidfile")}
}

func startMonitor(t *testing.T, runtime []string, exitCmd []string) (Config, Process, error) {
	cfg, p, conn, err := startMonitorAttach(t, runtime, exitCmd, false)
	if conn != nil {
		conn.Close()
	}
	return cfg, p, err
}

func startMonitorAttach(t *testing.T, runtime []string, exitCmd []string, attach bool) (Config, Process, *Conn, error) {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{
		ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Name: "test",
		Dir: dir, PIDFile: filepath.Join(dir, "pidfile"), ExitFile: filepath.Join(dir, "exit"), Token: "t1",
		LogDriver: LogK8sFile, LogPath: filepath.Join(dir, "ctr.log"),
		ExitCommand: exitCmd, Attach: attach,
	}
	if runtime == nil {
		runtime = fakeRuntime(t, dir, "sleep 0.3; echo out; echo err >&2; exit 3")
	} else {
		for i := range runtime {
			runtime[i] = strings.ReplaceAll(runtime[i], "DIR", dir)
		}
	}
	cfg.Runtime = runtime
	for i := range cfg.ExitCommand {
		cfg.ExitCommand[i] = strings.ReplaceAll(cfg.ExitCommand[i], "DIR", dir)
	}
	p, conn, err := Start(cfg)
	return cfg, p, conn, err
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not appear", path)
}

func TestMonitorRunsContainer(t *testing.T) {
	cfg, p, err := startMonitor(t, nil, []string{"/bin/sh", "-c", "touch \"$0\"", "DIR/cleaned"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid <= 0 || p.MonitorPid <= 0 || p.MonitorPid == os.Getpid() {
		t.Fatalf("Start = %+v", p)
	}
	// Attach while the container sleeps: the client gets both streams and the exit code.
	conn, err := Dial(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out, errOut strings.Builder
	code := -1
	for code < 0 {
		kind, data, c, err := conn.Recv(nil)
		if err != nil {
			t.Fatal(err)
		}
		switch kind {
		case Stdout:
			out.Write(data)
		case Stderr:
			errOut.Write(data)
		case Exited:
			code = c
		}
	}
	if out.String() != "out\n" || errOut.String() != "err\n" || code != 3 {
		t.Errorf("attach got stdout %q, stderr %q, exit %d; want out, err, 3", out.String(), errOut.String(), code)
	}
	ex, err := ReadExitFile(cfg.ExitFile)
	if err != nil || ex.Code != 3 || ex.Token != "t1" {
		t.Errorf("exit file = %+v, %v", ex, err)
	}
	b, _ := os.ReadFile(cfg.LogPath)
	if !regexp.MustCompile(`(?m)^\S+ stdout F out\n\S+ stderr F err\n$`).Match(b) && !regexp.MustCompile(`(?m)^\S+ stderr F err\n\S+ stdout F out\n$`).Match(b) {
		t.Errorf("log = %q", b)
	}
	// Nobody claimed the clean-up: the exit command runs, in the run directory.
	waitFile(t, filepath.Join(cfg.Dir, "cleaned"))
}

func TestMonitorClaimedCleanup(t *testing.T) {
	// Output from the very start reaches a client that attached through Start.
	dir := t.TempDir()
	cfg, _, conn, err := startMonitorAttach(t, fakeRuntime(t, "DIR", "sleep 0.1; echo first; exit 0"), []string{"/bin/sh", "-c", "touch \"$0\"", "DIR/cleaned"}, true)
	_ = dir
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for {
		kind, data, _, err := conn.Recv(nil)
		if err != nil {
			t.Fatal(err)
		}
		if kind == Stdout {
			out.Write(data)
		}
		if kind == Exited {
			break
		}
	}
	if out.String() != "first\n" {
		t.Errorf("attached through Start, got %q, want the first output", out.String())
	}
	conn.Done()
	conn.Close()
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(cfg.Dir, "cleaned")); err == nil {
		t.Error("the exit command ran although the client claimed the clean-up and reported it done")
	}
}

func TestMonitorStdin(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{ID: "x", Name: "x", Dir: dir, PIDFile: filepath.Join(dir, "pidfile"), ExitFile: filepath.Join(dir, "exit"),
		Token: "t", LogDriver: LogNone, Stdin: true, Runtime: fakeRuntime(t, dir, "read line; echo got $line; exit 0")}
	cfg.Attach = true
	_, conn, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("hello\n"))
	conn.CloseStdin()
	var out strings.Builder
	for {
		kind, data, code, err := conn.Recv(nil)
		if err != nil {
			t.Fatal(err)
		}
		if kind == Stdout {
			out.Write(data)
		}
		if kind == Exited {
			if code != 0 || out.String() != "got hello\n" {
				t.Errorf("stdout %q exit %d, want \"got hello\" and 0", out.String(), code)
			}
			return
		}
	}
}

func TestMonitorCreateFailure(t *testing.T) {
	_, _, err := startMonitor(t, []string{"/bin/sh", "-c", `echo 'exec: "x": executable file not found in $PATH' >&2; exit 1`}, nil)
	var ce *CreateError
	if !errors.As(err, &ce) || ce.Status != 1 || !strings.Contains(ce.Stderr, "executable file not found") {
		t.Fatalf("Start with a failing runtime = %v, want a CreateError with its stderr", err)
	}
}

func TestMonitorRSS(t *testing.T) {
	cfg, p, err := startMonitor(t, fakeRuntime(t, "DIR", "sleep 2"), nil)
	_ = cfg
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/" + itoa(p.MonitorPid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var rss int
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	t.Logf("monitor RSS: %d kB", rss)
	// conmon needs about 2.5 MB here; the monitor must not need more.
	if rss == 0 || rss > 2500 {
		t.Errorf("monitor RSS = %d kB, want at most 2500", rss)
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// splitStart is a fake runtime with runc's two-step start: create leaves the "container" blocked on an
// exec fifo in its state directory; start opens the fifo, and only after the container has begun removes
// it (as runc does), failing if the state is gone. The container exits as soon as it begins.
func splitStart(t *testing.T) Config {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	fifo := filepath.Join(state, "exec.fifo")
	return Config{
		ID: "split", Name: "split", Dir: dir, PIDFile: filepath.Join(dir, "pidfile"), ExitFile: filepath.Join(dir, "exit"),
		Token: "t", LogDriver: LogNone,
		Runtime:       []string{"/bin/sh", "-c", "mkdir \"$0\" && mkfifo \"$1\" || exit 1; { read x < \"$1\"; exit 7; } & echo $! > \"$2\"", state, fifo, filepath.Join(dir, "pidfile")},
		StartCommand:  []string{"/bin/sh", "-c", "echo go > \"$0\" && sleep 0.3 && rm \"$0\"", fifo},
		DeleteCommand: []string{"/bin/rm", "-rf", state},
	}
}

func TestMonitorSplitStart(t *testing.T) {
	cfg := splitStart(t)
	p, _, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "state", "exec.fifo")); err != nil {
		t.Fatalf("after Start the container is not created: %v", err)
	}
	// The container exits at once; the monitor must not delete its state before the start returned.
	if err := p.Start(); err != nil {
		t.Fatalf("start raced with the delete after a quick exit: %v", err)
	}
	waitFile(t, cfg.ExitFile)
	if ex, err := ReadExitFile(cfg.ExitFile); err != nil || ex.Code != 7 {
		t.Errorf("exit file = %+v, %v; want code 7", ex, err)
	}
}

func TestMonitorSplitStartAbort(t *testing.T) {
	cfg := splitStart(t)
	p, _, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Abort()
	waitFile(t, cfg.ExitFile)
	if ex, err := ReadExitFile(cfg.ExitFile); err != nil || ex.Code != 137 {
		t.Errorf("exit file after Abort = %+v, %v; want the container killed (137)", ex, err)
	}
}

func TestMonitorSplitStartFailure(t *testing.T) {
	cfg := splitStart(t)
	cfg.StartCommand = []string{"/bin/sh", "-c", "echo 'cannot start' >&2; exit 2"}
	p, _, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ce *CreateError
	if err := p.Start(); !errors.As(err, &ce) || ce.Status != 2 || !strings.Contains(ce.Stderr, "cannot start") {
		t.Fatalf("failing start = %v, want a CreateError with its stderr", err)
	}
	waitFile(t, cfg.ExitFile)
}
