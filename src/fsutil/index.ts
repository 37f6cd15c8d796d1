export { writeFileAtomic } from './atomic.js';
export { acquirePidLock, pidAlive, type PidLock } from './pid-lock.js';
export { packageRoot } from './package-root.js';
