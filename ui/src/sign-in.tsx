// Sign-in with the master key (or an admin JWT; without a master key, the local key of `npm start`): sent once in a
// POST body, answered with an HttpOnly session cookie; the key is not kept anywhere in the page.
import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from './api.ts';
import { ErrorLine } from './components/error-line.tsx';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const [localKey, setLocalKey] = useState(false);
  useEffect(() => {
    api<{ sign_in_with?: string }>('/ui/api/session').then(
      (s) => setLocalKey(s.sign_in_with === 'local_key'),
      () => undefined,
    );
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('key') as HTMLInputElement;
    setError(undefined);
    try {
      const session = await api<Session>('/ui/api/session', { method: 'POST', body: { key: input.value } });
      input.value = '';
      onSignedIn(session);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main class="sign-in">
      <form class="panel" onSubmit={(e) => void submit(e)}>
        <h1>Helix</h1>
        {localKey ? (
          <p data-testid="local-key-hint">
            No master key is set: sign in with the local key <code>npm start</code> keeps in <code>.data/local-sql-key</code> (<code>cat .data/local-sql-key</code>).
          </p>
        ) : (
          <p>Sign in with the gateway's master key. Virtual keys cannot sign in.</p>
        )}
        <input name="key" type="password" autocomplete="off" placeholder={localKey ? 'local key' : 'master key'} required maxLength={8192} />
        <button type="submit">Sign in</button>
        <ErrorLine message={error} />
      </form>
    </main>
  );
}
