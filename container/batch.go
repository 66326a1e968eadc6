package container

import (
	"os"
	"os/signal"
	"syscall"
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

// batchTerm catches SIGTERM for an attached run inside a Slurm job, from before the container is created:
// Slurm signals only the job's batch shell (often `skiff run` itself) and SIGKILLs everything KillWait
// later, so the run must not die of a SIGTERM that comes while it starts the container.
type batchTerm struct{ ch chan os.Signal }

// catchBatchTerm starts catching SIGTERM in a Slurm job; outside one it returns nil.
func catchBatchTerm() *batchTerm {
	if os.Getenv("SLURM_JOB_ID") == "" {
		return nil
	}
	b := &batchTerm{ch: make(chan os.Signal, 1)}
	signal.Notify(b.ch, syscall.SIGTERM)
	return b
}

// forward passes each SIGTERM (one that came already included) to the container and its monitor, which
// stops the container (stop-on-term) and cleans up; it returns a function that stops catching.
func (b *batchTerm) forward(c *Container) func() {
	if b == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-b.ch:
				_ = signalProcess(c.State.Pid, c.State.PidStart, syscall.SIGTERM)
				_ = signalProcess(c.State.MonitorPid, c.State.MonStart, syscall.SIGTERM)
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); signal.Stop(b.ch) }
}

// stop stops catching SIGTERM without forwarding.
func (b *batchTerm) stop() {
	if b != nil {
		signal.Stop(b.ch)
	}
}
