import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'home' }
  | { page: 'block'; id: string }
  | { page: 'tx'; txid: string; blockhash?: string; address?: string }
  | { page: 'address'; address: string }
  | { page: 'mempool' }
  | { page: 'peers' }
  | { page: 'tree' }
  | { page: 'unknown'; path: string };

/** Pages live in the URL's fragment (#/block/…), so links work offline and need no server routes. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query);
  switch (parts[0]) {
    case undefined:
      return { page: 'home' };
    case 'block':
      if (parts[1]) return { page: 'block', id: parts[1] };
      break;
    case 'tx':
      if (parts[1])
        return {
          page: 'tx',
          txid: parts[1],
          blockhash: q.get('blockhash') ?? undefined,
          address: q.get('address') ?? undefined,
        };
      break;
    case 'address':
      if (parts[1]) return { page: 'address', address: parts[1] };
      break;
    case 'mempool':
      return { page: 'mempool' };
    case 'peers':
      return { page: 'peers' };
    case 'tree':
      return { page: 'tree' };
  }
  return { page: 'unknown', path };
}

export const link = {
  block: (id: string | number) => `#/block/${id}`,
  /** A hint (the block, or an address it touches) lets the node find a confirmed transaction directly. */
  tx: (txid: string, hint: { blockhash?: string; address?: string } = {}) => {
    const q = new URLSearchParams(Object.entries(hint).filter((e): e is [string, string] => e[1] !== undefined));
    return `#/tx/${txid}${q.size ? `?${q}` : ''}`;
  },
  address: (a: string) => `#/address/${encodeURIComponent(a)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => {
      setRoute(parseRoute(location.hash));
      // A new page: reading starts at its heading, for keyboard and screen-reader users too.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
