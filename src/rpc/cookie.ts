import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a node keeps its RPC cookie, and the user name the cookie authenticates as. */
export const COOKIE_FILE = '.cookie';
export const COOKIE_USER = '__cookie__';

/** `~/.powchain/<network>`: the default data directory of a node (and its wallet). */
export function defaultDatadir(network: string): string {
  return join(homedir(), '.powchain', network);
}

/** The `user:password` a running node wrote to its data directory, if any. */
export function readCookie(datadir: string): string | undefined {
  const path = join(datadir, COOKIE_FILE);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
