// Starts the demo server on a free port for a test file, and calls its API as one of the
// development identities, the way the page does (a fresh session token, sent as a bearer token).
import { loadConfig } from '../src/config.js';
import { type RunningServer, type StartServerOptions, startServer } from '../src/server.js';

export interface ApiAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answers.
  readonly body: any;
}

export interface ApiClient {
  get(path: string): Promise<ApiAnswer>;
  post(path: string, body?: unknown): Promise<ApiAnswer>;
  delete(path: string): Promise<ApiAnswer>;
}

export interface DemoServer extends RunningServer {
  /** Calls the API with a session token minted for this development identity. */
  as(identity: string): ApiClient;
  /** Calls the API with these headers only (no token unless given). */
  withHeaders(headers: Record<string, string>): ApiClient;
  /** Unexpected (500) errors the server logged. */
  readonly serverErrors: unknown[];
}

async function call(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<ApiAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

export function client(baseUrl: string, headers: () => Promise<Record<string, string>>): ApiClient {
  return {
    get: async (path) => call(baseUrl + path, 'GET', await headers(), undefined),
    post: async (path, body) => call(baseUrl + path, 'POST', await headers(), body ?? {}),
    delete: async (path) => call(baseUrl + path, 'DELETE', await headers(), undefined),
  };
}

export async function startDemo(
  env: Record<string, string> = {},
  options: StartServerOptions = {},
): Promise<DemoServer> {
  const serverErrors: unknown[] = [];
  const running = await startServer(loadConfig(env, ['--port', '0']), {
    ...options,
    logError: (error) => serverErrors.push(error),
  });
  const mint = async (identity: string): Promise<string> => {
    const minted = await call(`${running.url}/api/dev/session`, 'POST', {}, { identity });
    if (minted.status !== 200) {
      throw new Error(`Minting a session for ${identity} failed: ${JSON.stringify(minted.body)}`);
    }
    return minted.body.token as string;
  };
  return {
    ...running,
    serverErrors,
    as: (identity) =>
      client(running.url, async () => ({ authorization: `Bearer ${await mint(identity)}` })),
    withHeaders: (headers) => client(running.url, async () => headers),
  };
}
