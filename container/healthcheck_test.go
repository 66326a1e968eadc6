package container

import (
	"testing"
	"time"
)

func TestParseImageHealthcheck(t *testing.T) {
	blob := []byte(`{"config":{"Healthcheck":{"Test":["CMD-SHELL","curl -f http://localhost/"],"Interval":5000000000,"Retries":2}}}`)
	h := parseImageHealthcheck(blob)
	if h == nil || h.Test[1] != "curl -f http://localhost/" || h.Interval != 5*time.Second || h.Retries != 2 {
		t.Fatalf("parseImageHealthcheck = %+v", h)
	}
	for _, b := range []string{`{"config":{}}`, `{"config":{"Healthcheck":{"Test":[]}}}`, `not json`} {
		if h := parseImageHealthcheck([]byte(b)); h != nil {
			t.Errorf("parseImageHealthcheck(%s) = %+v, want nil", b, h)
		}
	}
}
