import { useEffect, useRef, useState } from 'preact/hooks';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Subscribe to this page's server-sent events. `handlers` get each event's parsed data; the
 * browser's EventSource reconnects by itself after a drop (the server asks for 2 s).
 */
export function useEvents(url: string, handlers: Record<string, (data: unknown) => void>): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const latest = useRef(handlers);
  latest.current = handlers;
  const types = Object.keys(handlers).sort().join(',');
  useEffect(() => {
    const source = new EventSource(url);
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    for (const type of types.split(',')) {
      source.addEventListener(type, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        latest.current[type]?.(data);
      });
    }
    return () => source.close();
  }, [url, types]);
  return state;
}

/**
 * Load `fetcher` now and again whenever `version` changes (a live event bumps it); the previous
 * result stays on screen while the next loads, so updates never blank the page.
 */
export function useLoad<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): { data: T | undefined; error: string | undefined; loading: boolean } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    fetcher(ctl.signal).then(
      (d) => {
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: Error) => {
        if (ctl.signal.aborted) return;
        setError(err.message);
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, deps);
  return { data, error, loading };
}
