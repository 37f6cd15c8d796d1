import { delimiter, dirname } from 'node:path';

/**
 * The environment of a `powchain` child process, as a user's shell would give it: this Node first
 * on PATH, HOME where the test says, and none of jest's NODE_OPTIONS
 * (--experimental-vm-modules) nor a passphrase from the test runner's own environment.
 */
export function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  };
  delete env.NODE_OPTIONS;
  delete env.POWCHAIN_PASSPHRASE;
  return env;
}
