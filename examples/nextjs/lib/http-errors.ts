// Errors as JSON `{ code, message }` with scoped-rag's HTTP statuses. Kept apart from the stores so
// that proxy.ts can answer with it without loading the database drivers.
import { ScopedRagError, toHttpStatus } from '@scoped-rag/core';
import { ConfigError } from './config';

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/**
 * The response for an error: scoped-rag's typed errors keep their code, and their message and
 * details when the caller can act on them (4xx). A 5xx error's message may hold what the server
 * saw (a failed query's SQL and parameters, a backend's answer): it goes to the log, and the
 * client gets the code and a generic message.
 */
export function errorResponse(error: unknown): Response {
  if (ScopedRagError.isInstance(error)) {
    const status = toHttpStatus(error);
    if (status >= 500) {
      console.error(error);
      return json(
        {
          code: error.code,
          message:
            'A service the app depends on failed; try again. The server log has the details.',
        } satisfies ErrorBody,
        status,
      );
    }
    const body: ErrorBody = {
      code: error.code,
      message: error.message,
      ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
    };
    return json(body, status);
  }
  if (error instanceof ConfigError) {
    // Names the variables to set, never their values.
    console.error(error.message);
    return json({ code: error.code, message: error.message } satisfies ErrorBody, 500);
  }
  console.error(error);
  return json(
    {
      code: 'INTERNAL_ERROR',
      message: 'Something failed on the server; see its log.',
    } satisfies ErrorBody,
    500,
  );
}
