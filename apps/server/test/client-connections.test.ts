import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientConnections, clientAddress, type ClientSocket, type RunningServer } from '../src/index.js';
import { call, series, sleep, socketTo, start, until, type RawSocket } from './helpers.js';

const servers: RunningServer[] = [];
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const c of sockets.splice(0)) c.socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(overrides: Parameters<typeof start>[0]): Promise<RunningServer> {
  const s = await start(overrides);
  servers.push(s);
  return s;
}

/** A raw connection, destroyed after the test. */
async function open(s: RunningServer): Promise<RawSocket> {
  const c = await socketTo(s);
  sockets.push(c);
  return c;
}

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n';

describe('--max-connections-per-client over loopback', () => {
  it('closes a client’s connection beyond the limit at once, unanswered, and accepts one again once another closes', async () => {
    const s = await server({ maxConnectionsPerClient: 3 });
    const first = [await open(s), await open(s), await open(s)];
    // the server accepts connections in the order they came: the fourth after the first three
    const fourth = await open(s);
    fourth.socket.write(HEALTHZ);
    await until(() => fourth.closed(), 2000);
    expect(fourth.received(), 'no response to a refused connection').toBe('');
    expect(first.map((c) => c.closed())).toEqual([false, false, false]);
    expect(s.state.clientConnections.openOf('127.0.0.1')).toBe(3);

    first[0].socket.destroy();
    await until(() => s.state.clientConnections.openOf('127.0.0.1') === 2);
    const again = await open(s);
    again.socket.write(HEALTHZ);
    await until(() => again.closed(), 2000);
    expect(again.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(again.received()).toContain('"status":"ok"');

    const metrics = await call(`${s.url}/metrics`, { headers: { connection: 'close' } });
    expect(series(metrics.text, 'd2pruner_rejected_total', { reason: 'client_connections' })).toBe(1);
    expect(series(metrics.text, 'd2pruner_rejected_total', { reason: 'connections' })).toBeUndefined();
  });

  it('0 sets no limit: 10 connections of one client all stay open and it is still served', async () => {
    const s = await server({ maxConnectionsPerClient: 0 });
    const all = await Promise.all(Array.from({ length: 10 }, () => open(s)));
    await sleep(300);
    expect(all.filter((c) => c.closed())).toHaveLength(0);
    expect((await call(`${s.url}/healthz`, { headers: { connection: 'close' } })).status).toBe(200);
    expect(all.filter((c) => c.closed())).toHaveLength(0);
    expect(s.state.clientConnections.clients).toBe(0);
  });

  it('keeps no entry for a client once its last connection has closed', async () => {
    const s = await server({ maxConnectionsPerClient: 2 });
    const a = await open(s);
    const b = await open(s);
    const c = await open(s);
    await until(() => c.closed(), 2000);
    expect(s.state.clientConnections.clients).toBe(1);
    a.socket.destroy();
    b.socket.destroy();
    await until(() => s.state.clientConnections.clients === 0);
    expect(s.state.clientConnections.openOf('127.0.0.1')).toBe(0);
  });
});

/** A stand-in for an accepted socket: `close` is emitted by the test. */
function fakeSocket(remoteAddress: string | undefined): ClientSocket & EventEmitter & { destroyed: boolean } {
  const socket = Object.assign(new EventEmitter(), { remoteAddress, destroyed: false });
  return Object.assign(socket, {
    destroy() {
      socket.destroyed = true;
      return socket;
    },
  }) as unknown as ClientSocket & EventEmitter & { destroyed: boolean };
}

describe('ClientConnections', () => {
  it('counts IPv4-mapped IPv6 addresses as their IPv4 form', () => {
    expect(clientAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientAddress('::FFFF:10.1.2.3')).toBe('10.1.2.3');
    expect(clientAddress('10.1.2.3')).toBe('10.1.2.3');
    expect(clientAddress('::1')).toBe('::1');
    expect(clientAddress('2001:db8::ffff:1.2.3.4')).toBe('2001:db8::ffff:1.2.3.4');
    let refused = 0;
    const counts = new ClientConnections(2, () => refused++);
    const a = fakeSocket('::ffff:10.1.2.3');
    const b = fakeSocket('10.1.2.3');
    const c = fakeSocket('::ffff:10.1.2.3');
    expect([counts.admit(a), counts.admit(b), counts.admit(c)]).toEqual([true, true, false]);
    expect([a.destroyed, b.destroyed, c.destroyed]).toEqual([false, false, true]);
    expect(refused).toBe(1);
    expect(counts.openOf('10.1.2.3')).toBe(2);
    expect(counts.clients).toBe(1);
  });

  it('deletes a client’s entry when its count returns to 0; a refused socket’s close counts nothing', () => {
    let refused = 0;
    const counts = new ClientConnections(1, () => refused++);
    const sockets = Array.from({ length: 1000 }, (_, i) => fakeSocket(`10.0.${i >> 8}.${i & 255}`));
    for (const s of sockets) expect(counts.admit(s)).toBe(true);
    expect(counts.clients).toBe(1000);
    const extra = fakeSocket('10.0.0.0');
    expect(counts.admit(extra)).toBe(false);
    extra.emit('close');
    expect(counts.openOf('10.0.0.0')).toBe(1);
    for (const s of sockets) s.emit('close');
    expect(counts.clients).toBe(0);
    expect(refused).toBe(1);
    const again = fakeSocket('10.0.0.0');
    expect(counts.admit(again)).toBe(true);
    again.emit('close');
    again.emit('close');
    expect(counts.clients).toBe(0);
  });

  it('with limit 0, or a socket already gone, counts nothing and destroys nothing', () => {
    const none = new ClientConnections(0, () => {
      throw new Error('refused');
    });
    const sockets = Array.from({ length: 10 }, () => fakeSocket('10.0.0.1'));
    for (const s of sockets) expect(none.admit(s)).toBe(true);
    expect(sockets.some((s) => s.destroyed)).toBe(false);
    expect(none.clients).toBe(0);
    const limited = new ClientConnections(1, () => {});
    const gone = fakeSocket(undefined);
    expect(limited.admit(gone)).toBe(true);
    expect(limited.clients).toBe(0);
  });
});
