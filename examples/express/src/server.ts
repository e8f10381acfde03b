// Starts the demo: `pnpm demo` (embedded defaults, development identities) or with the real
// services' environment variables. `--port 0` picks a free port (tests).
import { realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { type AppConfig, loadConfig } from './config.js';
import { createServices, type PersistenceStores, type Services } from './services.js';

export const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

export interface RunningServer {
  /** Where the server listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly services: Services;
  close(): Promise<void>;
}

export interface StartServerOptions {
  readonly persistence?: PersistenceStores;
  readonly logError?: (error: unknown) => void;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

const isLoopback = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host);

export async function startServer(
  config: AppConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  // Listen first: the session tokens' authorized parties are the origins with the actual port.
  const server = createServer();
  const address = await listen(server, config.port, config.host);
  // A wildcard address (0.0.0.0, ::) is reached through the loopback address on this machine.
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const hostName = wildcard
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  const url = `http://${hostName}:${address.port}`;
  const origins = config.appOrigins ?? [url, `http://localhost:${address.port}`];
  let services: Services;
  try {
    services = await createServices(config, {
      origins,
      ...(options.persistence ? { persistence: options.persistence } : {}),
    });
  } catch (error) {
    server.close();
    throw error;
  }
  const app = createApp(services, {
    publicDir: PUBLIC_DIR,
    ...(options.logError ? { logError: options.logError } : {}),
  });
  server.on('request', app);
  return {
    url,
    services,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await services.close();
    },
  };
}

function describe(config: AppConfig, running: RunningServer): string {
  const { description } = running.services;
  const lines = [
    `scoped-rag demo: ${running.url}`,
    ...(config.appOrigins ? [`  origins    ${config.appOrigins.join(', ')} (APP_ORIGIN)`] : []),
    `  identity   ${description.identity === 'development' ? 'development switcher: locally signed Clerk session tokens, verified by @clerk/backend' : 'Clerk'}`,
    `  vectors    ${description.vectors === 'memory' ? 'in memory' : 'Pinecone'}`,
    `  database   ${description.database === 'memory' ? 'in memory' : 'PostgreSQL'}`,
    `  embedder   ${description.embedder}`,
  ];
  if (description.identity === 'development' && !isLoopback(config.host)) {
    lines.push(
      `  WARNING: HOST=${config.host} exposes the development identity switcher, which signs anyone in as anyone, beyond this machine.`,
    );
  }
  if (description.database === 'postgres' && description.vectors === 'memory') {
    lines.push(
      '  note: vectors are in memory while documents persist in PostgreSQL; after a restart, rag.reconcile(scope) re-embeds a workspace.',
    );
  }
  lines.push('Press Ctrl+C to stop.');
  return lines.join('\n');
}

// Run only when executed directly (`tsx src/server.ts`), not when a test imports it.
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, process.argv.slice(2));
  const running = await startServer(config);
  console.log(describe(config, running));
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
