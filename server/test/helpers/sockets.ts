import { io as connect, type Socket } from 'socket.io-client';

/** Resolves with the socket once connected, or rejects with the server's connect_error. */
export function openSocket(url: string, token: unknown): Promise<Socket> {
  const socket = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** What the server's connect_error carries: `data.code` is the contract's error code. */
export type SocketRefusal = Error & { data?: { code: string } };

/** The error a refused handshake ends with; throws when the server lets the socket in instead. */
export async function socketRefusal(url: string, token: unknown): Promise<SocketRefusal> {
  let socket: Socket;
  try {
    socket = await openSocket(url, token);
  } catch (err) {
    return err as SocketRefusal;
  }
  socket.close();
  throw new Error('the socket was let in');
}

/** Collects every payload of `event` on `socket`, to assert on later. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}
