import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePassword, PASSWORD_ALPHABET, scramSha256Verifier } from '../../../functions/commons/password';

describe('generatePassword', () => {
  it('makes long passwords without characters that break URLs, shells or SQL', () => {
    const samples = Array.from({ length: 2000 }, () => generatePassword());
    for (const password of samples) {
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(password).not.toMatch(/['"\\:/@\s#%?&=+`$;]/);
    }
    // Every character of the alphabet shows up: the draw covers it all.
    const seen = new Set(samples.join(''));
    expect([...PASSWORD_ALPHABET].every((char) => seen.has(char))).toBe(true);
    expect(new Set(samples).size).toBe(samples.length);
  });

  it('refuses to make a short one', () => {
    expect(() => generatePassword(31)).toThrow(RangeError);
  });
});

describe('scramSha256Verifier', () => {
  it('has the form PostgreSQL stores, with a fresh salt each time', () => {
    const verifier = scramSha256Verifier('secret');
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(scramSha256Verifier('secret')).not.toBe(verifier);
  });

  it('computes StoredKey and ServerKey as RFC 5802 says', () => {
    // Prepare
    const salt = Buffer.from('0123456789abcdef');

    // Act
    const verifier = scramSha256Verifier('pencil', { salt, iterations: 4096 });

    // Assess: recomputed by the definitions
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const stored = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    const server = createHmac('sha256', salted).update('Server Key').digest('base64');
    expect(verifier).toBe(`SCRAM-SHA-256$4096:${salt.toString('base64')}$${stored}:${server}`);
  });
});
