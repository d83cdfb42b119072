// The login page, when stepd runs with --auth sigv4: the same access key ID
// and secret access key that sign the API's calls.
import { useState } from 'preact/hooks';
import { login } from './api';
import { ErrorBox } from './ui';

export function LoginPage({ ended }: { ended?: boolean }) {
  const [key, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(key.trim(), secret);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <form class="login-form" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to stepd</h1>
        <p class="muted">
          {ended ? 'Your session ended. ' : ''}
          Use an access key ID and its secret access key from this server's configuration: the console then sees that key's account.
        </p>
        <label>
          Access key ID
          <input name="accessKeyId" autocomplete="username" required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Secret access key
          <input name="secretAccessKey" type="password" autocomplete="current-password" required value={secret}
            onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
        </label>
        <ErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        </div>
      </form>
    </main>
  );
}
