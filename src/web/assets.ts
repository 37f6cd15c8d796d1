import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../fsutil/package-root.js';
import { send, sendError, type PublicHandler } from './http.js';

/** Where `npm run build:ui` (scripts/build-ui.mjs) writes the pages: dist/ui of the package. */
export function uiDirectory(): string | null {
  const root = packageRoot();
  return root === null ? null : join(root, 'dist', 'ui');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The pages may load only what this server serves: no CDN, no inline script, no framing. The
 * dashboard and explorer fetch JSON and events from the same origin only.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

/**
 * The built web pages, read into memory once (a few tens of kilobytes) and served with an ETag:
 * `page` at `/`, every file of the build under `/assets/`. A missing build is a 503 that says
 * how to build it, not a crash.
 */
export function staticPages(page: 'explorer.html' | 'dashboard.html', dir = uiDirectory()): PublicHandler {
  const assets = new Map<string, Asset>();
  if (dir !== null && existsSync(dir)) {
    for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(join(dir, name));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      assets.set(`/assets/${name.split('\\').join('/')}`, { type, body, etag });
    }
  }
  const index = assets.get(`/assets/${page}`);
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const asset =
      path === '/' || path === '/index.html' ? index : path.startsWith('/assets/') ? assets.get(path) : null;
    if (asset === null) return false;
    if (!index) {
      sendError(req, res, 503, `the web pages are not built (no ${page} in ${dir}): run npm run build:ui`);
      return true;
    }
    if (!asset) {
      sendError(req, res, 404, `no such asset: ${path}`);
      return true;
    }
    const headers: Record<string, string> = { etag: asset.etag, 'cache-control': 'no-cache' };
    if (asset.type.startsWith('text/html')) headers['content-security-policy'] = CSP;
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    send(req, res, 200, asset.type, asset.body, headers);
    return true;
  };
}
