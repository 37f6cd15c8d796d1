import { useState } from 'preact/hooks';
import { getJson } from '../shared/api.js';
import { link } from './route.js';
import type { SearchResult } from './types.js';

/** One box for a height, a block hash, a transaction id or an address. */
export function SearchBox() {
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('q') as HTMLInputElement;
    const q = input.value.trim();
    if (!q) return;
    setBusy(true);
    try {
      const r = await getJson<SearchResult>(`/api/search?q=${encodeURIComponent(q)}`);
      setError(undefined);
      location.hash =
        r.kind === 'block'
          ? link.block(r.hash)
          : r.kind === 'tx'
            ? link.tx(r.txid, { blockhash: r.blockhash })
            : link.address(r.address);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form role="search" class="search" onSubmit={(e) => void submit(e)}>
      <label for="q">Search</label>
      <input
        id="q"
        name="q"
        type="search"
        placeholder="height, block hash, txid or address"
        autocomplete="off"
        spellcheck={false}
        aria-describedby={error ? 'search-error' : undefined}
      />
      <button type="submit" disabled={busy}>
        Go
      </button>
      {error ? (
        <span id="search-error" class="error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}
