// The stepd console: a single-page application on the Step Functions API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSession, logout, onSession, type Session } from './api';
import { ApprovalsPage, TaskPage } from './approvals';
import { ExecutionPage, ExecutionsPage } from './executions';
import { MachineEditorPage, MachinePage, MachinesPage } from './machines';
import { LoginPage } from './login';
import { MapRunPage } from './maprun';
import { navigate, paths, useLocation } from './router';
import './style.css';

function route(path: string) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case undefined:
    case 'state-machines':
      if (parts.length <= 1) return <MachinesPage />;
      if (parts[1] === 'new' && parts.length === 2) return <MachineEditorPage />;
      if (parts[2] === 'edit') return <MachineEditorPage arn={parts[1]} />;
      return <MachinePage arn={parts[1]} />;
    case 'executions':
      return parts.length === 1 ? <ExecutionsPage /> : <ExecutionPage arn={parts[1]} />;
    case 'map-runs':
      if (parts.length === 2) return <MapRunPage arn={parts[1]} />;
      break;
    case 'approvals':
      return <ApprovalsPage />;
    case 'task':
      return <TaskPage />;
  }
  return (
    <section>
      <h1>Not found</h1>
      <p>The console has no page at {path}. <a href={paths.machines()}>State machines</a></p>
    </section>
  );
}

function App({ session }: { session?: Session }) {
  const url = useLocation();
  const section = url.pathname.split('/')[1] || 'state-machines';
  const link = (href: string, name: string, key: string) => (
    <a href={href} aria-current={section === key ? 'page' : undefined}>{name}</a>
  );
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/" aria-label="stepd console home">stepd</a>
        <nav aria-label="Sections">
          {link(paths.machines(), 'State machines', 'state-machines')}
          {link(paths.executions(), 'Executions', 'executions')}
          {link(paths.approvals(), 'Approvals', 'approvals')}
        </nav>
        {session?.authenticated && (
          <div class="who">
            <span title={`access key ${session.accessKeyId}`}>account {session.account}</span>
            <button type="button" class="btn small" onClick={() => void logout()}>Log out</button>
          </div>
        )}
      </header>
      <main id="main" key={url.pathname}>{route(url.pathname)}</main>
    </>
  );
}

/**
 * Root shows the console, and the login page instead when stepd wants one.
 * It does not wait for the session to render the console: without
 * authentication, the pages' calls go out at once.
 */
function Root() {
  const [session, setSession] = useState<Session | undefined>();
  const [was, setWas] = useState(false);
  useEffect(() => {
    const off = onSession((s) => {
      setWas((w) => w || s.authenticated);
      setSession({ ...s });
    });
    void loadSession().catch(() => {}); // the pages say so when stepd does not answer
    return off;
  }, []);
  if (session?.required && !session.authenticated) return <LoginPage ended={was} />;
  return <App session={session} />;
}

if (location.pathname === '/') navigate(paths.machines(), true);
const root = document.getElementById('app')!;
root.textContent = '';
render(<Root />, root);
