import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateSigningKey, mintToken, verifyBearerToken } from '../../../infra/local/jwt';

const ISSUER = 'https://local.example';
const claims = { sub: 'u1', org: 'o1', groups: ['admin'] };

describe('the local authorizer remembers tokens it verified', () => {
  afterEach(() => vi.useRealTimers());

  it('accepts a token again, and refuses it once it has expired, as on its first use', async () => {
    // Prepare
    const key = await loadOrCreateSigningKey(join(mkdtempSync(join(tmpdir(), 'jwt-cache-')), 'key.json'));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-26T00:00:00Z'));
    const token = await mintToken(key, ISSUER, { ...claims, expiresIn: '1m' });
    expect(await verifyBearerToken(key, ISSUER, `Bearer ${token}`)).toMatchObject({ sub: 'u1', groups: '[admin]' });

    // Act
    const again = await verifyBearerToken(key, ISSUER, `Bearer ${token}`);
    vi.setSystemTime(new Date('2026-11-26T00:01:00Z'));
    const expired = await verifyBearerToken(key, ISSUER, `Bearer ${token}`);

    // Assess
    expect(again).toMatchObject({ sub: 'u1', groups: '[admin]' });
    expect(expired).toBeUndefined();
  });

  it('remembers a token for its issuer only, and never one that failed', async () => {
    // Prepare
    const key = await loadOrCreateSigningKey(join(mkdtempSync(join(tmpdir(), 'jwt-cache-')), 'key.json'));
    const token = await mintToken(key, ISSUER, claims);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(342)}`;

    // Act
    const accepted = await verifyBearerToken(key, ISSUER, token);
    const otherIssuer = await verifyBearerToken(key, 'https://other.example', token);
    const forgedTwice = [await verifyBearerToken(key, ISSUER, forged), await verifyBearerToken(key, ISSUER, forged)];

    // Assess
    expect(accepted).toMatchObject({ sub: 'u1' });
    expect(otherIssuer).toBeUndefined();
    expect(forgedTwice).toEqual([undefined, undefined]);
  });
});
