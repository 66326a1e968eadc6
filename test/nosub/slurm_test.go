package nosub

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/skiffproject/skiff/test/harness"
)

// The Slurm tests run skiff under the one-node Slurm that hack/setup-host.sh starts (slurmctld, slurmd,
// munged), as a user without subordinate IDs and without XDG_RUNTIME_DIR: a login or compute node with
// nothing set up.

// slurmCmd runs a Slurm client command and returns its exit code, stdout and stderr.
func slurmCmd(t *testing.T, timeout time.Duration, name string, args ...string) (int, string, string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: hack/setup-host.sh installs slurm-wlm and starts a one-node cluster", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = os.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %s\n%s", name, strings.Join(args, " "), timeout, errb.String())
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v", name, err)
		}
		code = ee.ExitCode()
	}
	return code, out.String(), errb.String()
}

// requireSlurm fails unless the cluster answers and its node takes jobs.
func requireSlurm(t *testing.T) {
	t.Helper()
	if os.Getenv("XDG_RUNTIME_DIR") != "" {
		t.Fatalf("test/nosub runs with XDG_RUNTIME_DIR unset (hack/test-e2e.sh), got %s", os.Getenv("XDG_RUNTIME_DIR"))
	}
	code, out, errOut := slurmCmd(t, 30*time.Second, "sinfo", "-h", "-o", "%t")
	switch state := strings.TrimSpace(out); {
	case code == 0 && (state == "idle" || state == "mix" || state == "alloc" || state == "comp"):
		// comp: the node is finishing a job and takes new ones.
	default:
		t.Fatalf("the Slurm node is not up (sinfo: %q %s): hack/setup-host.sh starts slurmctld and slurmd", state, errOut)
	}
}

// jobScript writes an sbatch script that runs body with $SKIFF set to the binary under test.
func jobScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "job.sh")
	script := "#!/bin/sh\nSKIFF=" + Binary + "\nexport SKIFF\n" + body + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// srun runs a job step whose container exits 5: the step exits 5; the container has no terminal, runs
// inside the job's cgroup and sees no XDG_RUNTIME_DIR.
func TestSlurmSrunExitCode(t *testing.T) {
	requireSlurm(t)
	code, out, errOut := slurmCmd(t, 3*time.Minute, "srun", "--quiet", "-N1", "-n1", Binary, "run", "--rm", Busybox, "sh", "-c",
		`test -t 0 || echo no-tty; grep -q '/job_' /proc/self/cgroup && echo in-job-cgroup; echo "xdg=$XDG_RUNTIME_DIR"; exit 5`)
	if code != 5 {
		t.Fatalf("srun exit code %d, want the container's 5\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"no-tty", "in-job-cgroup", "xdg=\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("step output lacks %q:\n%s\nstderr: %s", want, out, errOut)
		}
	}
}

// An sbatch job starts a container detached, waits for it and removes it; the job completes with the
// container's exit code in its output.
func TestSlurmSbatchDetachedWait(t *testing.T) {
	requireSlurm(t)
	outFile := filepath.Join(t.TempDir(), "job.out")
	script := jobScript(t, `set -e
cid=$($SKIFF run -d `+Busybox+` sh -c 'sleep 1; echo from-container; exit 3')
code=$($SKIFF wait "$cid")
$SKIFF logs "$cid"
$SKIFF rm "$cid" >/dev/null
echo "code=$code"`)
	code, out, errOut := slurmCmd(t, 3*time.Minute, "sbatch", "--wait", "--quiet", "-o", outFile, script)
	b, _ := os.ReadFile(outFile)
	if code != 0 {
		t.Fatalf("sbatch --wait: exit %d\n%s%s\njob output:\n%s", code, out, errOut, b)
	}
	if !strings.Contains(string(b), "from-container") || !strings.Contains(string(b), "code=3") {
		t.Fatalf("job output lacks the container's output and exit code 3:\n%s", b)
	}
}

// userProcesses lists this user's processes whose command line mentions s.
func userProcesses(t *testing.T, s string) []string {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) && !bytes.Contains(b, []byte("-test.")) {
			out = append(out, e.Name()+" "+string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	return out
}

// scancel of a job whose container ignores SIGTERM: the monitor stops it and removes it (--rm) before
// Slurm's KillWait, so nothing of it is left: no container, no process, no mount.
func TestSlurmScancel(t *testing.T) {
	requireSlurm(t)
	name := Name(t)
	script := jobScript(t, `exec $SKIFF run --rm --name `+name+` `+Busybox+` sleep 300`)
	code, out, errOut := slurmCmd(t, time.Minute, "sbatch", "--parsable", "-o", "/dev/null", script)
	if code != 0 {
		t.Fatalf("sbatch: %s%s", out, errOut)
	}
	job := strings.TrimSpace(strings.Split(out, ";")[0])
	t.Cleanup(func() { slurmCmd(t, time.Minute, "scancel", job); Run(t, "rm", "-f", name) })
	var id string
	for i := 0; i < 300 && id == ""; i++ {
		r := Run(t, "ps", "--filter", "name="+name, "--format", "{{.ID}}", "--no-trunc")
		id = strings.TrimSpace(r.Stdout)
		time.Sleep(100 * time.Millisecond)
	}
	if id == "" {
		t.Fatalf("container %s of job %s never ran", name, job)
	}
	if len(userProcesses(t, id)) == 0 {
		t.Fatalf("no process mentions container %s while it runs", id)
	}
	if code, _, errOut := slurmCmd(t, time.Minute, "scancel", job); code != 0 {
		t.Fatalf("scancel %s: %s", job, errOut)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, q, _ := slurmCmd(t, 30*time.Second, "squeue", "-h", "-j", job)
		if strings.TrimSpace(q) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still listed a minute after scancel: %s", job, q)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The job's processes get Slurm's SIGKILL KillWait (30 s) after its SIGTERM: by then the monitor has
	// stopped the container (its grace is the stop timeout, 10 s) and removed it.
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		r := Run(t, "ps", "-a", "--format", "{{.Names}}")
		if !strings.Contains(r.Stdout, name) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s is left 40 s after scancel:\n%s", name, r.Stdout)
		}
	}
	if procs := userProcesses(t, id); len(procs) > 0 {
		t.Errorf("processes of container %s are left after scancel: %q", id, procs)
	}
	for _, m := range mountsMentioning(t, id) {
		t.Errorf("mount of container %s left after scancel: %s", id, m)
	}
}

// mountsMentioning lists the mounts in the user's namespace whose line mentions s.
func mountsMentioning(t *testing.T, s string) []string {
	t.Helper()
	r := Run(t, "unshare", "cat", "/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// Two jobs of the same user at once use one user namespace and one store: job a creates the namespace
// (no pause process exists before it), job b joins it while a runs, both run containers side by side,
// and both complete.
//
// Known limit: Slurm kills every process of a job when it ends, so the pause process that job a created
// ends with it; a job still running then starts a new namespace with its next command.
func TestSlurmTwoJobs(t *testing.T) {
	requireSlurm(t)
	sb := NewSandbox(t) // a runtime directory of its own: no pause process yet
	dir := t.TempDir()
	marker := filepath.Join(dir, "b-done")
	bodies := map[string]string{
		"a": `$SKIFF run --rm ` + Busybox + ` echo run-a-1 || exit 1
$SKIFF unshare readlink /proc/self/ns/user
i=0; while [ ! -e ` + marker + ` ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
$SKIFF run --rm ` + Busybox + ` echo run-a-2 || exit 1`,
		"b": `i=0; while ! grep -q user: ` + filepath.Join(dir, "a.out") + ` 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
$SKIFF unshare readlink /proc/self/ns/user
for i in 1 2; do $SKIFF run --rm ` + Busybox + ` sh -c 'sleep 1; echo run-b-$0' $i || exit 1; done
touch ` + marker,
	}
	var jobs []string
	for _, n := range []string{"a", "b"} {
		// The sandbox's storage too: one graph root has one run root.
		body := strings.ReplaceAll(bodies[n], "$SKIFF ", "$SKIFF "+strings.Join(sb.Flags, " ")+" ")
		code, out, errOut := slurmCmd(t, time.Minute, "sbatch", "--parsable", "--export=ALL,"+strings.Join(sb.Env, ","),
			"-o", filepath.Join(dir, n+".out"), jobScript(t, body))
		if code != 0 {
			t.Fatalf("sbatch: %s%s", out, errOut)
		}
		jobs = append(jobs, strings.TrimSpace(strings.Split(out, ";")[0]))
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, q, _ := slurmCmd(t, 30*time.Second, "squeue", "-h", "-j", strings.Join(jobs, ","))
		if strings.TrimSpace(q) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs %v still running after 2 minutes: %s", jobs, q)
		}
		time.Sleep(500 * time.Millisecond)
	}
	userNS := map[string]string{}
	for i, n := range []string{"a", "b"} {
		b, _ := os.ReadFile(filepath.Join(dir, n+".out"))
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "user:[") {
				userNS[n] = line
			}
		}
		wants := map[string][]string{"a": {"run-a-1", "run-a-2"}, "b": {"run-b-1", "run-b-2"}}[n]
		for _, want := range append(wants, "user:[") {
			if !strings.Contains(string(b), want) {
				t.Errorf("job %s (%s) output lacks %q:\n%s", n, jobs[i], want, b)
			}
		}
	}
	if userNS["a"] != userNS["b"] {
		t.Errorf("the two jobs used different user namespaces: %s and %s", userNS["a"], userNS["b"])
	}
}
