// The dashboard app: asks the gateway whether this browser has a session, shows the sign-in form or the pages, and
// routes between pages by the URL fragment (#/overview, #/keys).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { api, setCsrf, whenSignedOut, type Session } from './api.ts';
import { PAGES } from './pages.ts';
import { SignIn } from './sign-in.tsx';
import { RefreshInterval } from './use-poll.ts';

const pageFromHash = () => PAGES.find((p) => `#/${p.id}` === location.hash) ?? PAGES[0]!;

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [page, setPage] = useState(pageFromHash);
  useEffect(() => {
    const follow = () => setPage(pageFromHash());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  const Current = page.component;
  return (
    <RefreshInterval.Provider value={session.refresh_interval}>
      <nav class="nav">
        <span class="brand">Helix</span>
        {PAGES.map((p) => (
          <a key={p.id} href={`#/${p.id}`} class={p === page ? 'on' : ''}>
            {p.title}
          </a>
        ))}
        <button type="button" class="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </nav>
      <main>
        <Current />
      </main>
    </RefreshInterval.Provider>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const signedIn = (s: Session) => {
    setCsrf(s.csrf);
    setSession(s);
  };
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api<Session | { signed_in: false }>('/ui/api/session').then(
      (s) => (s.signed_in ? signedIn(s) : setSession(null)),
      () => setSession(null),
    );
  }, []);
  const signOut = () => {
    setSession(null); // the pages go first, so their refreshes stop before the session does
    void api('/ui/api/session', { method: 'DELETE' })
      .catch(() => undefined)
      .finally(() => setCsrf(''));
  };
  if (session === undefined) return null;
  return session ? <Shell session={session} onSignOut={signOut} /> : <SignIn onSignedIn={signedIn} />;
}

render(<App />, document.getElementById('app')!);
