// A small history-API router: the URL is the state of the page, so every
// page can be bookmarked, shared and opened in a new tab.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

/** navigate goes to a URL of the console without reloading. */
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((l) => l());
  if (!replace) window.scrollTo(0, 0);
}

/** useLocation re-renders on navigation and returns the current URL. */
export function useLocation(): URL {
  const [, set] = useState(0);
  useEffect(() => {
    const on = () => set((n) => n + 1);
    listeners.add(on);
    window.addEventListener('popstate', on);
    return () => {
      listeners.delete(on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return new URL(location.href);
}

/** setQuery changes query parameters of the current URL, in place. */
export function setQuery(params: Record<string, string | undefined>): void {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v) u.searchParams.set(k, v);
    else u.searchParams.delete(k);
  }
  navigate(u.pathname + u.search, true);
}

// Links inside the console navigate without a reload (unless a modifier key
// asks for a new tab or window).
document.addEventListener('click', (ev) => {
  const a = (ev.target as Element | null)?.closest?.('a');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  ev.preventDefault();
  navigate(a.pathname + a.search + a.hash);
});

export const paths = {
  machines: () => '/state-machines',
  machine: (arn: string) => `/state-machines/${encodeURIComponent(arn)}`,
  editMachine: (arn: string) => `/state-machines/${encodeURIComponent(arn)}/edit`,
  newMachine: () => '/state-machines/new',
  executions: () => '/executions',
  execution: (arn: string) => `/executions/${encodeURIComponent(arn)}`,
  mapRun: (arn: string) => `/map-runs/${encodeURIComponent(arn)}`,
  approvals: () => '/approvals',
  task: (token: string, action?: 'approve' | 'reject') =>
    `/task?taskToken=${encodeURIComponent(token)}${action ? `&action=${action}` : ''}`,
};
