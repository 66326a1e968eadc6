package image

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containers/image/v5/types"
)

func TestLoginLogout(t *testing.T) {
	dir := t.TempDir()
	writeLayout(t, dir, "1", testImage{})
	host := (&fakeRegistry{dir: dir, repo: "x", user: "me", pass: "pw"}).start(t)
	authFile := filepath.Join(t.TempDir(), "sub", "auth.json")
	sys := SystemOptions{AuthFile: authFile, SkipTLSVerify: types.OptionalBoolTrue}
	ctx := context.Background()
	var out bytes.Buffer
	opts := LoginOptions{System: sys, Registry: host, Out: &out}

	bad := opts
	bad.Username, bad.Password = "me", "wrong"
	if err := Login(ctx, bad); err == nil || err.Error() != `logging into "`+host+`": invalid username/password` {
		t.Errorf("login with a wrong password = %v", err)
	}
	if _, err := os.Stat(authFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed login wrote the auth file: %v", err)
	}
	if err := Login(ctx, opts); err == nil {
		t.Error("login without credentials or a prompt succeeded")
	}

	prompted := opts
	prompted.Prompt = func(stored string, needUser, needPass bool) (string, string, error) {
		if stored != "" || !needUser || !needPass {
			t.Errorf("prompt(%q, %v, %v)", stored, needUser, needPass)
		}
		return "me", "pw", nil
	}
	if err := Login(ctx, prompted); err != nil {
		t.Fatalf("login: %v", err)
	}
	if out.String() != "Login Succeeded!\n" {
		t.Errorf("login printed %q", out.String())
	}
	if b, err := os.ReadFile(authFile); err != nil || !strings.Contains(string(b), host) {
		t.Errorf("auth file after login: %s %v", b, err)
	}
	if user, err := GetLogin(opts); err != nil || user != "me" {
		t.Errorf("GetLogin = %q, %v", user, err)
	}
	out.Reset()
	if err := Login(ctx, opts); err != nil {
		t.Fatalf("login with stored credentials: %v", err)
	}
	if want := "Authenticating with existing credentials for " + host + "\nExisting credentials are valid. Already logged in to " + host + "\n"; out.String() != want {
		t.Errorf("login printed %q, want %q", out.String(), want)
	}

	// The stored credentials pull from the registry; --creds does too, without the file.
	store := newStore(t)
	if _, err := Pull(ctx, store, host+"/x:1", PullOptions{System: sys}); err != nil {
		t.Errorf("pull with stored credentials: %v", err)
	}
	creds := SystemOptions{AuthFile: filepath.Join(dir, "none.json"), SkipTLSVerify: types.OptionalBoolTrue, Credentials: &types.DockerAuthConfig{Username: "me", Password: "pw"}}
	if _, err := Pull(ctx, store, host+"/x:1", PullOptions{System: creds}); err != nil {
		t.Errorf("pull with --creds: %v", err)
	}
	creds.Credentials = nil
	if _, err := Pull(ctx, store, host+"/x:1", PullOptions{System: creds}); err == nil {
		t.Error("pull without credentials from a registry that wants them succeeded")
	}

	out.Reset()
	lo := LogoutOptions{System: sys, Registry: host, Out: &out}
	if err := Logout(lo); err != nil || out.String() != "Removed login credentials for "+host+"\n" {
		t.Errorf("logout = %v, printed %q", err, out.String())
	}
	if _, err := GetLogin(opts); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("GetLogin after logout = %v", err)
	}
	if err := Logout(lo); !errors.Is(err, ErrNotLoggedIn) || err.Error() != "not logged into "+host {
		t.Errorf("second logout = %v", err)
	}
	out.Reset()
	if err := Logout(LogoutOptions{System: sys, All: true, Out: &out}); err != nil || out.String() != "Removed login credentials for all registries\n" {
		t.Errorf("logout --all = %v, printed %q", err, out.String())
	}
}
