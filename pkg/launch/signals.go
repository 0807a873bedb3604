package launch

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwarded are the signals that a run passes on to the command instead
// of dying from them.
var forwarded = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// catcher is the process's one catcher of the forwarded signals, shared
// by every run that forwards them (Launch.ForwardSignals).
//
// Why it exists: signal.Notify enables each signal through a round trip
// with the Go runtime's signal-mask thread, which it first starts; for
// six signals that was about 0.5 to 0.9 ms of every launch on a 2-core
// machine, spent waiting for other threads to wake. CatchSignals starts
// it in the background while the profile loads, and nothing has to
// undo it when the run ends.
//
// What it keeps: a forwarded signal that comes while no run is there to
// take it (before bwrap starts, after the run) is handled as if nothing
// had caught it: the catcher lets go of every signal and sends this one
// again to the process, which then dies of it (Go's default), or goes to
// whatever else caught it (a privileged run's audit ignores them).
type catcher struct {
	mu       sync.Mutex
	ch       chan os.Signal
	notified bool             // signal.Notify(ch, forwarded...) in force
	to       *func(os.Signal) // the run taking signals; nil: none
}

var signals = &catcher{ch: make(chan os.Signal, 8)}

// startLoop starts the catcher's goroutine, once; not at package init,
// where a goroutine would cost every start of every binary linking this.
var startLoop = sync.OnceFunc(func() { go signals.loop() })

// CatchSignals begins catching the signals that runs forward, in the
// background, so that a later Run with ForwardSignals finds them caught
// (see catcher). Call it as early as a command line that will run a
// sandbox is known; calling it more than once is harmless.
func CatchSignals() {
	startLoop()
	go func() {
		signals.mu.Lock()
		defer signals.mu.Unlock()
		signals.notifyLocked()
	}()
}

func (c *catcher) notifyLocked() {
	if !c.notified {
		signal.Notify(c.ch, forwarded...)
		c.notified = true
	}
}

// take hands the caught signals to deliver, called from the catcher's
// goroutine, until release is called.
func (c *catcher) take(deliver func(os.Signal)) (release func()) {
	startLoop()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notifyLocked()
	to := &deliver
	c.to = to
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.to == to {
			c.to = nil
		}
	}
}

func (c *catcher) loop() {
	for s := range c.ch {
		c.mu.Lock()
		to := c.to
		if to == nil && c.notified {
			// Nobody takes it: stop catching, and let it act as if it
			// never had been caught.
			signal.Stop(c.ch)
			c.notified = false
		}
		c.mu.Unlock()
		if to != nil {
			(*to)(s)
			continue
		}
		if sig, ok := s.(syscall.Signal); ok {
			_ = unix.Kill(os.Getpid(), sig)
		}
	}
}
