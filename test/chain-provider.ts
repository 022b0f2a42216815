/**
 * Two ways to reach the fake node. `InProcessProvider` is a ProviderInterface that sends real
 * JSON-RPC text to it and decodes answers with @polkadot/rpc-provider's own coder, so errors read
 * exactly as over a socket (`1010: Invalid Transaction: Custom error: 6`). `serveOverWebSocket`
 * puts the node on ws://127.0.0.1:PORT for the CLI, with a minimal RFC 6455 server (text frames,
 * ping, close), because the project declares no WebSocket server package.
 */
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProviderInterface, ProviderInterfaceCallback, ProviderInterfaceEmitCb, ProviderInterfaceEmitted } from '@polkadot/rpc-provider/types';
import { RpcCoder } from '@polkadot/rpc-provider/coder';
import type { FakeSubtensor, JsonRpcMessage, JsonRpcRequest } from './chain-node.js';

export class InProcessProvider implements ProviderInterface {
  readonly hasSubscriptions = true;
  readonly isClonable = false;
  private connected = false;
  private readonly events = new EventEmitter();
  private readonly coder = new RpcCoder();
  private readonly subscriptions = new Map<string, ProviderInterfaceCallback>();
  private readonly waiting = new Map<string, JsonRpcMessage[]>();
  /** Connection attempts made, for tests of the reconnect logic. */
  connectAttempts = 0;

  constructor(readonly node: FakeSubtensor) {}

  get isConnected(): boolean {
    return this.connected;
  }

  clone(): ProviderInterface {
    throw new Error('not clonable');
  }

  async connect(): Promise<void> {
    this.connectAttempts += 1;
    if (!this.node.online) {
      // Like a socket to a closed port: an error, then a close, then nothing.
      setImmediate(() => {
        this.events.emit('error', new Error('connect ECONNREFUSED'));
        this.events.emit('disconnected');
      });
      return;
    }
    this.connected = true;
    setImmediate(() => this.events.emit('connected'));
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.subscriptions.clear();
    this.events.emit('disconnected');
  }

  /** The connection dies under the client (the node restarts, the network drops). */
  drop(): void {
    this.connected = false;
    this.subscriptions.clear();
    setImmediate(() => this.events.emit('disconnected'));
  }

  on(type: ProviderInterfaceEmitted, sub: ProviderInterfaceEmitCb): () => void {
    this.events.on(type, sub);
    return () => this.events.off(type, sub);
  }

  private notify = (message: JsonRpcMessage): void => {
    const text = JSON.stringify(message);
    setImmediate(() => this.deliver(JSON.parse(text) as JsonRpcMessage));
  };

  private deliver(message: JsonRpcMessage): void {
    const id = String(message.params?.subscription);
    const cb = this.subscriptions.get(id);
    if (!cb) {
      // Like WsProvider's waitingForId: an update may overtake the subscription's own answer.
      this.waiting.set(id, [...(this.waiting.get(id) ?? []), message]);
      return;
    }
    try {
      cb(null, this.coder.decodeResponse(message as never));
    } catch (err) {
      cb(err as Error, undefined);
    }
  }

  async send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    if (!this.connected) throw new Error(`disconnected from in-process node: WebSocket is not connected`);
    const [, request] = this.coder.encodeObject(method, params);
    const wire = JSON.parse(JSON.stringify(request)) as JsonRpcRequest;
    const response = JSON.parse(JSON.stringify(this.node.handle(wire, this.notify)));
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.connected) throw new Error('disconnected from in-process node: 1006:: Abnormal Closure');
    return this.coder.decodeResponse(response) as T;
  }

  async subscribe(_type: string, method: string, params: unknown[], cb: ProviderInterfaceCallback): Promise<number | string> {
    const id = await this.send<string>(method, params);
    this.subscriptions.set(String(id), cb);
    const early = this.waiting.get(String(id)) ?? [];
    this.waiting.delete(String(id));
    for (const message of early) this.deliver(message);
    return id;
  }

  async unsubscribe(_type: string, method: string, id: number | string): Promise<boolean> {
    this.subscriptions.delete(String(id));
    if (!this.connected) return true;
    return this.send<boolean>(method, [id]);
  }
}

function frame(text: string, opcode = 1): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126) {
    head[0] = 0x80 | opcode;
    if (n < 65536) {
      head[1] = 126;
      head.writeUInt16BE(n, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(n), 2);
    }
  }
  return Buffer.concat([head, payload]);
}

/** Reads complete client frames (always masked) from `buffer`; returns them and the rest. */
function readFrames(buffer: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    const opcode = buffer[at] & 0x0f;
    let len = buffer[at + 1] & 0x7f;
    let offset = at + 2;
    if (len === 126) {
      if (buffer.length - at < 4) break;
      len = buffer.readUInt16BE(at + 2);
      offset = at + 4;
    } else if (len === 127) {
      if (buffer.length - at < 10) break;
      len = Number(buffer.readBigUInt64BE(at + 2));
      offset = at + 10;
    }
    if (buffer.length < offset + 4 + len) break;
    const mask = buffer.subarray(offset, offset + 4);
    const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + len));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    frames.push({ opcode, payload });
    at = offset + 4 + len;
  }
  return { frames, rest: buffer.subarray(at) };
}

export interface WebSocketNode {
  url: string;
  /** Closes every open connection (clients see an abnormal closure) but keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Serves `node` on ws://127.0.0.1:<free port>. */
export async function serveOverWebSocket(node: FakeSubtensor): Promise<WebSocketNode> {
  const sockets = new Set<Duplex>();
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (!node.online) return socket.destroy();
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    const send = (message: JsonRpcMessage) => {
      if (!socket.destroyed) socket.write(frame(JSON.stringify(message)));
    };
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 8) return socket.end(frame('', 8));
        if (f.opcode === 9) socket.write(frame(f.payload.toString(), 10));
        if (f.opcode === 1) send(node.handle(JSON.parse(f.payload.toString()) as JsonRpcRequest, send));
      }
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    dropConnections() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
