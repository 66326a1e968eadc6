package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/skiffproject/skiff/test/harness"
)

// Issue 15, secrets: readable at /run/secrets/NAME or in a variable, never in inspect, a layer or the
// container's exported file system; stored 0600 in the user's storage.
func TestSecrets(t *testing.T) {
	name, data := Name(t), "s3cret-"+Name(t)
	src := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(src, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	id := Must(t, "secret", "create", name, src)
	t.Cleanup(func() { Run(t, "secret", "rm", name) })
	Expect(t, 125, []string{"secret name in use"}, "secret", "create", name, src)
	if out := Must(t, "secret", "ls", "--format", "{{.ID}} {{.Name}} {{.Driver}}"); !strings.Contains(out, id+" "+name+" file") {
		t.Fatalf("secret ls:\n%s", out)
	}
	insp := Must(t, "secret", "inspect", name)
	if !strings.Contains(insp, `"Name": "`+name+`"`) || strings.Contains(insp, data) {
		t.Fatalf("secret inspect: want the name and not the data:\n%s", insp)
	}
	home, _ := os.UserHomeDir()
	st, err := os.Stat(filepath.Join(home, ".local/share/containers/storage/secrets/filedriver", id))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the secret's data file: %v, mode %v, want 0600", err, st)
	}

	ctr := Name(t) + "-ctr"
	rmContainer(t, ctr)
	out := Must(t, "run", "--name", ctr, "--secret", name, "--secret", name+",type=env,target=DB_PASSWORD",
		"--secret", name+",target=other", Busybox, "sh", "-c", "cat /run/secrets/"+name+"; echo; echo $DB_PASSWORD; cat /run/secrets/other")
	if out != data+"\n"+data+"\n"+data {
		t.Fatalf("the secret in the container: %q, want %q three times", out, data)
	}
	if insp := Must(t, "inspect", ctr); strings.Contains(insp, data) {
		t.Fatalf("inspect of the container shows the secret's data")
	}
	tar := Must(t, "export", ctr)
	if strings.Contains(tar, data) {
		t.Fatalf("the container's exported file system holds the secret's data")
	}
	Expect(t, 125, []string{"in use by container " + ctr}, "secret", "rm", name)
	Expect(t, 125, []string{"no such secret"}, "run", "--rm", "--secret", "no-such-"+name, Busybox, "true")
	Expect(t, 125, []string{"--secret", "unknown option"}, "run", "--rm", "--secret", name+",type=file", Busybox, "true")
	Must(t, "rm", ctr)
	Must(t, "secret", "rm", name)
	Expect(t, 125, []string{"no such secret"}, "secret", "inspect", name)

	// From standard input and from a variable.
	in := Name(t) + "-in"
	if r := RunIn(t, []string{"MYPW=fromenv"}, "fromstdin", "secret", "create", in, "-"); r.Code != 0 {
		t.Fatalf("%s", r)
	}
	t.Cleanup(func() { Run(t, "secret", "rm", in) })
	env := Name(t) + "-env"
	if r := RunIn(t, []string{"MYPW=fromenv"}, "", "secret", "create", "--env", env, "MYPW"); r.Code != 0 {
		t.Fatalf("%s", r)
	}
	t.Cleanup(func() { Run(t, "secret", "rm", env) })
	if out := Must(t, "run", "--rm", "--secret", in, "--secret", env, Busybox, "sh", "-c", "cat /run/secrets/"+in+" /run/secrets/"+env); out != "fromstdinfromenv" {
		t.Fatalf("secrets from stdin and --env: %q", out)
	}
}
