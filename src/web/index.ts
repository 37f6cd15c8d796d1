/**
 * web: HTTP plumbing for the public pages (REST, the explorer, the testnet dashboard), knowing
 * nothing of the chain: a GET router with one-line JSON errors, the built pages served from
 * memory with their security headers, and bounded server-sent event streams with a follower.
 *
 * May import: fsutil. Never encoding or anything above it: the node and the testnet dashboard
 * build their pages on it (dependency-cruiser: web-not-to-...).
 */
export { MAX_URL_CHARS, send, sendJson, sendError, HttpError, type PublicHandler } from './http.js';
export { Router, combineHandlers, type Route, type RouteContext } from './router.js';
export { EventHub, MAX_EVENT_CLIENTS, MAX_CLIENT_BACKLOG } from './sse.js';
export { followEvents, MAX_EVENT_BYTES, type FollowOptions } from './sse-client.js';
export { staticPages, uiDirectory } from './assets.js';
