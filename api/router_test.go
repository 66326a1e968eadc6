package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/containers/storage"

	"github.com/skiffproject/skiff/container"
)

func TestRouterWithoutEngine(t *testing.T) {
	s := New(Options{})
	h := s.router()
	tests := []struct {
		method, path, body string
		status             int
		header, value      string
		message            string
	}{
		{"HEAD", "/_ping", "", 200, "API-Version", APIVersion, ""},
		{"GET", "/v1.41/_ping", "", 200, "Builder-Version", "1", ""},
		{"GET", "/v1.44/_ping", "", 200, "OSType", "linux", ""},
		{"GET", "/v1.23/_ping", "", 400, "", "", "client version 1.23 is too old"},
		{"GET", "/v1.41/nothing/here", "", 404, "", "", "page not found"},
		{"DELETE", "/_ping", "", 404, "", "", "page not found"},
		{"GET", "/version", "", 200, "Content-Type", "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body.String())
			}
			if tt.header != "" && rec.Header().Get(tt.header) != tt.value {
				t.Errorf("header %s = %q, want %q", tt.header, rec.Header().Get(tt.header), tt.value)
			}
			if tt.message != "" {
				var doc struct{ Message string }
				if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
					t.Fatalf("body %q is not Docker's error document: %v", rec.Body.String(), err)
				}
				if !strings.Contains(doc.Message, tt.message) {
					t.Errorf("message %q, want it to contain %q", doc.Message, tt.message)
				}
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		err    error
		status int
	}{
		{fmt.Errorf("web: %w", container.ErrNoSuchContainer), 404},
		{fmt.Errorf("busybox: %w", storage.ErrImageUnknown), 404},
		{fmt.Errorf("start web: %w", container.ErrRunning), 409},
		{fmt.Errorf("create: %w", storage.ErrDuplicateName), 409},
		{badParameter("bad"), 400},
		{fmt.Errorf("a: %w", container.ErrAmbiguous), 400},
		{errors.New("something broke"), 500},
	}
	for _, tt := range tests {
		if got := statusOf(tt.err); got != tt.status {
			t.Errorf("statusOf(%v) = %d, want %d", tt.err, got, tt.status)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		body string
		bad  bool
	}{
		{``, false},
		{`{"Image":"busybox"}`, false},
		{`{"Image":`, true},
		{`[1,2]`, true},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/containers/create", strings.NewReader(tt.body))
		var v struct{ Image string }
		err := decodeJSON(req, &v)
		if (err != nil) != tt.bad {
			t.Errorf("decodeJSON(%q) = %v, want error %v", tt.body, err, tt.bad)
		}
		if err != nil && statusOf(err) != 400 {
			t.Errorf("decodeJSON(%q): status %d, want 400", tt.body, statusOf(err))
		}
	}
}

func TestVersionLess(t *testing.T) {
	tests := []struct {
		a, b string
		less bool
	}{
		{"1.23", "1.24", true}, {"1.24", "1.24", false}, {"1.100", "1.44", false}, {"1.9", "1.24", true}, {"2.0", "1.44", false},
	}
	for _, tt := range tests {
		if got := versionLess(tt.a, tt.b); got != tt.less {
			t.Errorf("versionLess(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}
