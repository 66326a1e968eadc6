package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	dcontainer "github.com/docker/docker/api/types/container"

	"github.com/skiffproject/skiff/container"
)

// statsInterval is Docker's: a streamed stats document per second.
const statsInterval = time.Second

// containerStats answers GET /containers/{name}/stats: one document (stream=0; one-shot=1 skips the
// second sample a CPU percentage needs) or one per second.
func (s *Server) containerStats(w http.ResponseWriter, r *http.Request) error {
	stream := true
	if v := r.URL.Query().Get("stream"); v != "" {
		stream = boolParam(r, "stream")
	}
	oneShot := boolParam(r, "one-shot")
	if oneShot && stream {
		return badParameter("stats: one-shot=1 needs stream=0")
	}
	e := s.containers()
	c, err := s.getContainer(e, r)
	if err != nil {
		return err
	}
	prev, err := s.sample(r, e, c)
	if err != nil {
		return err
	}
	if !stream && oneShot {
		writeJSON(w, http.StatusOK, prev)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-time.After(statsInterval):
		}
		cur, err := s.sample(r, e, c)
		if err != nil {
			return err
		}
		cur.PreCPUStats, cur.PreRead = prev.CPUStats, prev.Read
		if err := enc.Encode(cur); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return err
		}
		if !stream {
			return nil
		}
		prev = cur
	}
}

// sample takes one stats document of c.
func (s *Server) sample(r *http.Request, e *container.Engine, c *container.Container) (*dcontainer.StatsResponse, error) {
	out := &dcontainer.StatsResponse{Name: "/" + c.Name(), ID: c.ID, Read: time.Now(), Networks: map[string]dcontainer.NetworkStats{}}
	running := c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused
	if !running {
		return out, nil // Docker's zero document for a container that does not run
	}
	list, err := e.Stats(r.Context(), []string{c.ID}, container.StatsOptions{Interval: time.Millisecond})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return out, nil
	}
	st := list[0]
	out.CPUStats = dcontainer.CPUStats{
		CPUUsage:    dcontainer.CPUUsage{TotalUsage: st.CPUNano},
		SystemUsage: systemCPUNanos(),
		OnlineCPUs:  uint32(runtime.NumCPU()),
	}
	out.MemoryStats = dcontainer.MemoryStats{Usage: st.MemUsageRaw, Limit: st.MemLimit, Stats: map[string]uint64{}}
	out.PidsStats = dcontainer.PidsStats{Current: st.PIDsRaw}
	out.Networks["eth0"] = dcontainer.NetworkStats{RxBytes: st.NetInput, TxBytes: st.NetOutput}
	out.BlkioStats.IoServiceBytesRecursive = []dcontainer.BlkioStatEntry{{Op: "read", Value: st.BlockInput}, {Op: "write", Value: st.BlockOutput}}
	return out, nil
}

// systemCPUNanos is the host's CPU time in nanoseconds (the "cpu" line of /proc/stat), which Docker's
// client divides a container's CPU time by.
func systemCPUNanos() uint64 {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "cpu" {
			continue
		}
		var ticks uint64
		for _, v := range fields[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			ticks += n
		}
		return ticks * (1e9 / 100) // USER_HZ is 100 on Linux
	}
	return 0
}
