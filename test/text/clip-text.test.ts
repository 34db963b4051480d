import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clipText, textLength } from '../../src/text/clip-text.js';

describe('clipText', () => {
  it('keeps text within the limit as it is', () => {
    expect(clipText('abc', 3)).toBe('abc');
    expect(clipText('🔥🔥🔥', 3)).toBe('🔥🔥🔥');
  });

  it('cuts to the limit in characters, ending with "…", never inside a surrogate pair', () => {
    expect(clipText('abcdef', 4)).toBe('abc…');
    expect(clipText('a🔥🔥🔥', 3)).toBe('a🔥…');
    expect(clipText('🔥🔥🔥🔥', 2)).toBe('🔥…');
  });

  it('counts as the core limits do, so what it returns always passes them', () => {
    const limit = z.string().max(5);
    for (const text of ['🐢'.repeat(9), `ab${'🐢'.repeat(9)}`, 'x'.repeat(50)]) {
      const cut = clipText(text, 5);
      expect(textLength(cut)).toBe(5);
      expect(limit.safeParse(cut).success).toBe(true);
      expect(limit.safeParse(text).success).toBe(false);
    }
  });
});
