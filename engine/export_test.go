package engine

// ForgetHandoffs empties the engine's handoff cache, as a restart or
// another node's scheduling would leave it, for tests of the uncached way.
func ForgetHandoffs(e *Engine) {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.handoffs)
	e.handoffBytes = 0
}
