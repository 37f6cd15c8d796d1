import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fsutil/index.js';
import { join } from 'node:path';

export const IDENTITY_FILE = 'peer.key';

/**
 * The peer's libp2p identity, kept in the data directory so its peer id survives restarts.
 * Created on first start with mode 0600 (written to a temp file, then renamed: never half-written).
 */
export async function loadOrCreateIdentity(datadir: string): Promise<PrivateKey> {
  const path = join(datadir, IDENTITY_FILE);
  if (existsSync(path)) {
    try {
      return privateKeyFromProtobuf(readFileSync(path));
    } catch (err) {
      throw new Error(
        `identity key ${path} is unreadable (${(err as Error).message}); move it away to create a new peer id`,
      );
    }
  }
  const key = await generateKeyPair('Ed25519');
  writeFileAtomic(path, privateKeyToProtobuf(key));
  return key;
}
