import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppOptions } from './app.js';
import type { ServerConfig } from './config.js';

/** A listening server. */
export interface RunningServer extends App {
  /** `http://host:port` (IPv6 hosts bracketed). */
  url: string;
  /** The port actually bound (the chosen one when the configuration said 0). */
  port: number;
  /**
   * Graceful shutdown: refuses new requests (503 `SHUTTING_DOWN`), lets in-flight ones finish
   * (at most `shutdownTimeoutMs`, then their connections are closed), releases the GPU device
   * and, once a running generation has stopped, the model's ONNX Runtime sessions.
   * Idempotent.
   */
  close(): Promise<void>;
}

/** Builds the app and listens on `config.host`:`config.port`. */
export async function startServer(config: ServerConfig, options: AppOptions = {}): Promise<RunningServer> {
  const built = await createApp(config, options);
  const { app, state } = built;
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await state.pool?.close();
    await state.backends.dispose();
    await state.model.dispose();
    throw e;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.closing = true;
      const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      force.unref();
      try {
        await Promise.all([app.close(), state.gate.idle()]);
      } finally {
        clearTimeout(force);
        await state.backends.dispose();
        await state.model.dispose();
      }
    })();
    return closing;
  };
  return { ...built, url: `http://${host}:${address.port}`, port: address.port, close };
}
