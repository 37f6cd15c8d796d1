/** MAX_EVENT_BYTES: the longest event a follower buffers; a stream sending more is dropped. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export interface FollowOptions {
  signal: AbortSignal;
  /** Told when the stream opens ('live') and when it drops ('down'). */
  onState?: (state: 'live' | 'down', why?: string) => void;
  /** Wait before reconnecting after a drop (ms). */
  retryMs?: number;
}

/**
 * Follow a server-sent event stream until `signal` aborts, reconnecting after every drop: each
 * event's data is parsed as JSON and handed to `onEvent` with its type. Events whose data is not
 * JSON are skipped. Resolves once aborted; never rejects.
 */
export async function followEvents(
  url: string,
  onEvent: (type: string, data: unknown) => void,
  o: FollowOptions,
): Promise<void> {
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      o.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  while (!o.signal.aborted) {
    try {
      const res = await fetch(url, { signal: o.signal, headers: { accept: 'text/event-stream' } });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      o.onState?.('live');
      await readStream(res.body, onEvent);
      o.onState?.('down', 'the stream ended');
    } catch (err) {
      if (o.signal.aborted) break;
      o.onState?.('down', (err as Error).message);
    }
    await wait(o.retryMs ?? 1_000);
  }
}

async function readStream(body: ReadableStream<Uint8Array>, onEvent: (type: string, data: unknown) => void) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end), onEvent);
      buffer = buffer.slice(end + 2);
    }
    if (buffer.length > MAX_EVENT_BYTES) throw new Error(`an event over ${MAX_EVENT_BYTES} bytes`);
  }
}

function dispatch(block: string, onEvent: (type: string, data: unknown) => void): void {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    return; // not JSON: not one of ours
  }
  onEvent(type, parsed);
}
