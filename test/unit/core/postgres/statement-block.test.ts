import { describe, expect, it } from 'vitest';
import { statementBlock } from '../../../../functions/core/postgres/statement-block';

describe('statementBlock', () => {
  it('quotes each statement as a literal inside one DO block', () => {
    // Act
    const block = statementBlock(['GRANT USAGE ON SCHEMA "a" TO "r"', "COMMENT ON ROLE \"r\" IS 'it''s'", "COMMENT ON ROLE \"r\" IS E'a\\\\b'"]);

    // Assess
    expect(block.startsWith('DO $block$')).toBe(true);
    expect(block.endsWith('$block$')).toBe(true);
    expect(block).toContain(`'GRANT USAGE ON SCHEMA "a" TO "r"'`);
    expect(block).toContain(`'COMMENT ON ROLE "r" IS ''it''''s'''`);
    expect(block).toContain(`E'COMMENT ON ROLE "r" IS E''a\\\\\\\\b'''`);
  });

  it('picks a dollar-quote tag that occurs nowhere in the statements, so none can end the block', () => {
    // Act
    const block = statementBlock(["COMMENT ON ROLE \"r\" IS 'ends $block$ and $block1$ here'"]);

    // Assess
    expect(block.startsWith('DO $block2$')).toBe(true);
    expect(block.split('$block2$')).toHaveLength(3);
  });
});
