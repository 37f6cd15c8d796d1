/**
 * The browser suite (`npm run test:browser`): the explorer and the testnet dashboard in headless
 * Chromium. It needs Debian's `chromium` package, which `npm test` does not assume (the README's
 * two commands run on a machine without it); CI installs it and runs this suite as its own step.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['**/test/browser/**/*.browser.ts'],
  testTimeout: 240000,
};
