import type { Context } from 'hono';
import { AppError } from '../errors.ts';

/** The posted form's fields; a body that does not parse is the sender's error (400), not ours. */
export async function postedFields(c: Context) {
  try {
    return await c.req.parseBody();
  } catch {
    throw new AppError('bad_request', 'The form body is malformed', { said: { key: 'problem.malformed' } });
  }
}
