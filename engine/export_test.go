package engine

// ForgetHandoffs empties the engine's handoff cache, as a restart or
// another node's scheduling would leave it, for tests of the uncached way.
func ForgetHandoffs(e *Engine) {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.handoffs)
	e.handoffBytes = 0
}

// WaitingPollers is how many of the engine's pollers wait for a task of arn.
func WaitingPollers(e *Engine, arn string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pollers[arn])
}
