/**
 * A `Relay` in a process of its own, driven over its stdin and stdout: how a relay runs inside a
 * network namespace (a Node process cannot open sockets in another namespace, so the relay of a
 * namespace's links is started there with `ip netns exec`). `powchain testnet relay-server` runs
 * `serveRelay`; `RelayProcess` (relay-process.ts) starts one and talks to it.
 *
 * The protocol is JSON lines. Each request has an `id` the reply repeats:
 *   {"id":1,"op":"add","link":"3>0","listen":{"host":"198.18.7.10","port":20003},"target":{"host":"127.0.0.1","port":18733}}
 *     -> {"id":1,"ok":true,"port":20003}
 *   {"id":2,"op":"shape","link":"3>0","shape":{"latencyMs":80,"cutForward":true}}  -> {"id":2,"ok":true}
 *   {"id":3,"op":"stats","link":"3>0"}  -> {"id":3,"ok":true,"stats":{...}}
 * A bad request gets {"id":..,"ok":false,"error":"..."} and the relay goes on. The first line the
 * relay writes is {"ready":true}. When its stdin ends (the process that started it has exited,
 * even by SIGKILL), the relay closes every link and exits: it never outlives its owner.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Relay, RelayError, type Endpoint, type LinkShape } from './relay.js';

/** The longest request line accepted; a longer one is refused, not buffered. */
const MAX_LINE = 64 * 1024;

function endpoint(v: unknown, what: string): Endpoint {
  const e = v as Partial<Endpoint> | null;
  if (
    !e ||
    typeof e.host !== 'string' ||
    typeof e.port !== 'number' ||
    !Number.isInteger(e.port) ||
    e.port < 0 ||
    e.port > 65535
  )
    throw new RelayError(`${what} must be {host, port}`);
  return { host: e.host, port: e.port };
}

async function handle(relay: Relay, req: Record<string, unknown>): Promise<Record<string, unknown>> {
  const link = req.link;
  switch (req.op) {
    case 'add':
      if (typeof link !== 'string') throw new RelayError('add needs a link id');
      return { port: await relay.addLink(link, endpoint(req.listen, 'listen'), endpoint(req.target, 'target')) };
    case 'shape':
      if (typeof link !== 'string') throw new RelayError('shape needs a link id');
      if (typeof req.shape !== 'object' || req.shape === null) throw new RelayError('shape needs a shape object');
      return { shape: relay.shape(link, req.shape as Partial<LinkShape>) };
    case 'stats':
      if (typeof link !== 'string') throw new RelayError('stats needs a link id');
      return { stats: relay.stats(link) };
    default:
      throw new RelayError(`unknown op ${JSON.stringify(req.op)}`);
  }
}

/** Serve one relay on these streams until `input` ends; resolves once every link is closed. */
export async function serveRelay(input: Readable, output: Writable, seed: number): Promise<void> {
  const relay = new Relay(seed);
  const reply = (o: Record<string, unknown>) => output.write(`${JSON.stringify(o)}\n`);
  reply({ ready: true });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const pending: Promise<void>[] = [];
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let id: unknown = null;
    const task = (async () => {
      try {
        if (line.length > MAX_LINE) throw new RelayError(`request longer than ${MAX_LINE} bytes`);
        const req = JSON.parse(line) as unknown;
        if (typeof req !== 'object' || req === null || Array.isArray(req))
          throw new RelayError('a request is a JSON object');
        id = (req as { id?: unknown }).id ?? null;
        reply({ id, ok: true, ...(await handle(relay, req as Record<string, unknown>)) });
      } catch (err) {
        const e = err as Error & { code?: string };
        reply({ id, ok: false, error: e instanceof RelayError ? e.message : `${e.code ?? e.name}: ${e.message}` });
      }
    })();
    pending.push(task);
    void task.then(() => pending.splice(pending.indexOf(task), 1));
  }
  await Promise.all(pending);
  await relay.close();
}
