import type { Server, Socket } from 'node:net';

/** What {@link ClientConnections} uses of an accepted socket. */
export type ClientSocket = Pick<Socket, 'remoteAddress' | 'once' | 'destroy'>;

/**
 * The address a connection is counted under: its remote address, an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`, what a dual-stack listener reports for an IPv4 client) as the IPv4 address.
 */
export function clientAddress(remoteAddress: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  return mapped ? mapped[1] : remoteAddress;
}

/**
 * Open connections per client address, at most `limit` each (`--max-connections-per-client`;
 * 0 = no limit, nothing counted): a connection beyond it is destroyed as it is accepted, before
 * a byte of it is read, unanswered. A client's entry goes when its last connection closes.
 */
export class ClientConnections {
  readonly #open = new Map<string, number>();

  /**
   * @param limit open connections one address may hold (0 = no limit)
   * @param onRefused called for each connection destroyed for being over the limit
   */
  constructor(
    readonly limit: number,
    private readonly onRefused: () => void,
  ) {}

  /** Client addresses holding at least one open connection now. */
  get clients(): number {
    return this.#open.size;
  }

  /** Open connections of `address` now (IPv4-mapped addresses as their IPv4 form). */
  openOf(address: string): number {
    return this.#open.get(clientAddress(address)) ?? 0;
  }

  /**
   * Counts an accepted connection until its socket closes, or destroys it at once (and returns
   * false) when its client already holds `limit`. With no limit, or a socket already gone (no
   * remote address), nothing is counted.
   */
  admit(socket: ClientSocket): boolean {
    if (this.limit === 0 || socket.remoteAddress === undefined) return true;
    const address = clientAddress(socket.remoteAddress);
    const open = this.#open.get(address) ?? 0;
    if (open >= this.limit) {
      socket.destroy();
      this.onRefused();
      return false;
    }
    this.#open.set(address, open + 1);
    socket.once('close', () => this.#release(address));
    return true;
  }

  /** Admits (or refuses) every connection `server` accepts from now on; nothing with no limit. */
  watch(server: Server): void {
    if (this.limit > 0) server.on('connection', (socket: Socket) => this.admit(socket));
  }

  #release(address: string): void {
    const open = (this.#open.get(address) ?? 1) - 1;
    if (open > 0) this.#open.set(address, open);
    else this.#open.delete(address);
  }
}
