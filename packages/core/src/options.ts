// Options and other input checked at the boundary: a zod schema's first problem becomes an
// InvalidInputError that names where it is.
import type { z } from 'zod';
import { InvalidInputError } from './errors.js';

/** Parses `input` with `schema` or throws `InvalidInputError` naming the first problem. */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const checked = schema.safeParse(input);
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  throw new InvalidInputError(`Invalid ${what}${path ? ` at ${path}` : ''}: ${issue.message}.`, {
    cause: checked.error,
    details: { path },
  });
}
