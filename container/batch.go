package container

import (
	"os"
	"time"
)

// maxBatchGrace bounds the time a container started in a batch job gets to stop when the job ends: Slurm
// sends SIGTERM to every process of a cancelled or timed-out job and SIGKILL KillWait later (30 seconds
// by default); the monitor must have stopped the container and cleaned up by then.
const maxBatchGrace = 20 * time.Second

// batchStopGrace returns the monitor's stop-on-term grace for c when skiff runs inside a Slurm job
// (SLURM_JOB_ID is set), else nil. In a job, runc puts the container in a freezer cgroup below the job
// step's, where Slurm's SIGTERM and SIGKILL do not reach it: the monitor, which they do reach, stops it
// instead (SIGTERM, then SIGKILL after the stop timeout, at most maxBatchGrace) and cleans up (--rm).
func batchStopGrace(c *Container) *time.Duration {
	if os.Getenv("SLURM_JOB_ID") == "" {
		return nil
	}
	grace := time.Duration(c.Config.StopTimeout) * time.Second
	if grace > maxBatchGrace {
		grace = maxBatchGrace
	}
	return &grace
}
