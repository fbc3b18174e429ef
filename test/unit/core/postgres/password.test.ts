import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generatePassword,
  MIN_PASSWORD_LENGTH,
  PASSWORD_ALPHABET,
  scramSha256Verifier,
} from '../../../../functions/core/postgres/password';

/** What must never be in a password: it would need escaping in a URL, a DSN, a shell or SQL. */
const FORBIDDEN = /['"\\:/@\s#%?&=+`$;!*^~]/;

describe('generatePassword', () => {
  it('uses letters, digits and - _ . only', () => {
    // Assess: the alphabet itself
    expect(PASSWORD_ALPHABET).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(new Set(PASSWORD_ALPHABET).size).toBe(PASSWORD_ALPHABET.length);
    expect(PASSWORD_ALPHABET).toHaveLength(65);
  });

  it('makes 40-character passwords by default and at least 32 on request', () => {
    expect(generatePassword()).toHaveLength(40);
    expect(generatePassword(MIN_PASSWORD_LENGTH)).toHaveLength(32);
    expect(generatePassword(200)).toHaveLength(200);
  });

  it('never draws a forbidden character, and draws every allowed one, over 10 000 passwords', () => {
    // Act
    const samples = Array.from({ length: 10_000 }, () => generatePassword());

    // Assess
    const seen = new Map<string, number>();
    for (const password of samples) {
      expect(password).toHaveLength(40);
      expect(password).not.toMatch(FORBIDDEN);
      for (const char of password) seen.set(char, (seen.get(char) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([...PASSWORD_ALPHABET].sort());
    // 400 000 draws, ≈ 6 154 per character (σ ≈ 78). A plain `byte % 65` would give the last 4 only ≈ 4 690.
    for (const count of seen.values()) expect(count).toBeGreaterThan(5_000);
    expect(new Set(samples).size).toBe(samples.length);
  });

  it.each([31, 0, -1, 32.5, Number.NaN, 1025])('refuses length %s', (length) => {
    expect(() => generatePassword(length)).toThrow(RangeError);
  });
});

describe('scramSha256Verifier', () => {
  it('has the form PostgreSQL stores, with a fresh 16-byte salt each time', () => {
    // Act
    const verifier = scramSha256Verifier('secret');

    // Assess
    expect(verifier).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/,
    );
    expect(scramSha256Verifier('secret')).not.toBe(verifier);
  });

  it('is deterministic for a given salt and iteration count', () => {
    // Prepare
    const salt = Buffer.from('0123456789abcdef');

    // Act + Assess
    expect(scramSha256Verifier('pencil', { salt, iterations: 10 })).toBe(
      scramSha256Verifier('pencil', { salt, iterations: 10 }),
    );
    expect(scramSha256Verifier('pencil', { salt, iterations: 10 })).toMatch(
      /^SCRAM-SHA-256\$10:MDEyMzQ1Njc4OWFiY2RlZg==\$/,
    );
  });

  it('passes the RFC 7677 SCRAM-SHA-256 exchange (user "user", password "pencil")', () => {
    // Prepare: the example exchange of RFC 7677 §3
    const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
    const serverFirst =
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const clientFinalWithoutProof = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientProof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const serverSignature = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

    // Act
    const verifier = scramSha256Verifier('pencil', {
      salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
      iterations: 4096,
    });

    // Assess: the server side of the exchange, run on our StoredKey and ServerKey
    const match = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([^:]+):(.+)$/.exec(verifier);
    expect(match).not.toBeNull();
    const storedKey = Buffer.from(match?.[1] ?? '', 'base64');
    const serverKey = Buffer.from(match?.[2] ?? '', 'base64');
    // The server checks the client's proof: ClientKey = proof XOR HMAC(StoredKey, AuthMessage), SHA-256(ClientKey) = StoredKey.
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(clientProof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
    // And proves itself with HMAC(ServerKey, AuthMessage).
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe(serverSignature);
  });

  it('refuses passwords whose SASLprep form is not their own bytes, and bad parameters', () => {
    expect(() => scramSha256Verifier('pässword')).toThrow(RangeError);
    expect(() => scramSha256Verifier('a\0b')).toThrow(RangeError);
    expect(() => scramSha256Verifier('x', { salt: Buffer.alloc(0) })).toThrow(RangeError);
    expect(() => scramSha256Verifier('x', { iterations: 0 })).toThrow(RangeError);
  });

  it('never puts the password in an error', () => {
    // Act
    const act = () => scramSha256Verifier('hunter2-é');

    // Assess
    expect(act).toThrow(RangeError);
    expect(act).not.toThrow(/hunter2/);
  });
});
