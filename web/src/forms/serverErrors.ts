import { ApiError, fieldMessage } from '../api/client';
import type { Errors } from './validation';

/**
 * splitServerError places a mutation error: when the server's 400 names a
 * field the form has, the message goes next to that field; otherwise it is a
 * form-level message.
 */
export function splitServerError(err: unknown, fields: readonly string[]): { fieldErrors: Errors; formError?: string } {
  if (!err) return { fieldErrors: {} };
  if (err instanceof ApiError) {
    if (err.field) {
      const f = fields.find((x) => x === err.field) ?? fields.find((x) => err.field!.split('.').includes(x));
      if (f) return { fieldErrors: { [f]: fieldMessage(err) } };
    }
    // a conflict names its field in the message only ("email: already in use")
    const m = /^([a-z_]+): (.+)$/s.exec(err.message);
    if (m && fields.includes(m[1])) return { fieldErrors: { [m[1]]: m[2] } };
    return { fieldErrors: {}, formError: err.message };
  }
  return { fieldErrors: {}, formError: (err as Error)?.message ?? String(err) };
}
