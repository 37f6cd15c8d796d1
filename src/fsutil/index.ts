/**
 * fsutil: the file-system habits every layer shares: atomic replace (temp file, fsync, rename)
 * and pid lock files.
 *
 * May import: nothing of powchain (dependency-cruiser: fsutil-not-to-...).
 */
export { writeFileAtomic } from './atomic.js';
export { acquirePidLock, pidAlive, type PidLock } from './pid-lock.js';
export { packageRoot } from './package-root.js';
