package unit

import "encoding/json"

// JSON renders `generate systemd --format json`: an object from unit name (without ".service") to, for
// each file, value(file): its content, or with --files the path it was written to. Like Podman's, it is
// indented by one space.
func JSON(files []File, value func(File) string) ([]byte, error) {
	m := make(map[string]string, len(files))
	for _, f := range files {
		m[f.Name] = value(f)
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
