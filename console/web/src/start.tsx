// The dialog that starts an execution, from a machine's page or from an
// execution's (to start another with the same input).
import { useState } from 'preact/hooks';
import { call } from './api';
import { navigate, paths } from './router';
import { Dialog, ErrorBox, jsonError } from './ui';

/** StartDialog starts an execution with a name and a JSON input. */
export function StartDialog({ machine, input = '{}', onClose }: { machine: { stateMachineArn: string; name: string }; input?: string; onClose: () => void }) {
  const [name, setName] = useState('');
  const [text, setText] = useState(input);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const bad = jsonError(text);
  const start = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const out = await call<{ executionArn: string }>('StartExecution', { stateMachineArn: machine.stateMachineArn, input: text, ...(name ? { name } : {}) });
      navigate(paths.execution(out.executionArn));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Start an execution of ${machine.name}`} onClose={onClose} wide>
      <form onSubmit={start} class="stack">
        <label>Name <span class="muted">(optional: a UUID otherwise)</span>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={80} autoComplete="off" />
        </label>
        <label>Input (JSON)
          <textarea class="code" rows={10} value={text} onInput={(e) => setText(e.currentTarget.value)} spellcheck={false} aria-invalid={!!bad} />
        </label>
        {bad && <p class="field-error">Not JSON: {bad}</p>}
        <ErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn primary" disabled={!!bad || busy}>Start execution</button>
          <button type="button" class="btn" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}
