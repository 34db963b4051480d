/**
 * Cuts text to at most `max` characters, counted in code points as the core's limits count them (an
 * emoji is one), and marks the cut with "…". A cut never splits a surrogate pair.
 */
export function clipText(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Length in code points: what `clipText` and the core's limits count. */
export const textLength = (text: string): number => [...text].length;
