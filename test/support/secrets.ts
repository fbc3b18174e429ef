import { randomBytes } from 'node:crypto';
import { localAesKeyring } from '../../functions/adapters/crypto/keyrings';
import { EnvelopeSecretSealer } from '../../functions/adapters/crypto/sealer';
import type { SecretSealer } from '../../functions/core/secrets';

/** The production sealer over a fresh local AES key: the real encryption, with no server. */
export function testSealer(key: Buffer = randomBytes(32)): SecretSealer {
  return new EnvelopeSecretSealer(localAesKeyring(key));
}
