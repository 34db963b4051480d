import { z } from 'zod';

/** One input's state as Slack sends it in `view.state.values[block][action]`. */
const element = z
  .object({
    value: z.string().nullish(),
    selected_option: z.object({ value: z.string() }).nullish(),
    selected_options: z.array(z.object({ value: z.string() })).nullish(),
    selected_users: z.array(z.string()).nullish(),
  })
  .loose();

const values = z.record(z.string(), z.record(z.string(), element));

/** Typed reads of a submitted modal; a field missing from the payload reads as empty. */
export class ViewState {
  private readonly values: z.infer<typeof values>;

  constructor(raw: unknown) {
    this.values = values.catch({}).parse(raw);
  }

  private field(block: string) {
    return this.values[block]?.[block];
  }

  text(block: string): string {
    return this.field(block)?.value ?? '';
  }

  option(block: string): string | null {
    return this.field(block)?.selected_option?.value ?? null;
  }

  options(block: string): string[] {
    return (this.field(block)?.selected_options ?? []).map((o) => o.value);
  }

  users(block: string): string[] {
    return this.field(block)?.selected_users ?? [];
  }
}

/** `private_metadata` parsed with a schema; a forged or broken one fails closed. */
export function metadata<T>(schema: z.ZodType<T>, raw: string | undefined): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
