import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../../functions/core/postgres/sql-port';

describe('redactSecrets', () => {
  it('removes password literals and SCRAM verifiers from messages', () => {
    // Prepare
    const text = `ALTER ROLE "x" WITH PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi' failed; also SCRAM-SHA-256$4096:zz$yy:xx and PASSWORD 'it''s'`;

    // Act
    const redacted = redactSecrets(text);

    // Assess
    expect(redacted).not.toContain('SCRAM-SHA-256$');
    expect(redacted).not.toContain("it''s");
    expect(redacted).toContain("PASSWORD '[redacted]'");
  });
});
