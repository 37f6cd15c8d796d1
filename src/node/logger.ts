import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type pretty from 'pino-pretty';

export type { Logger };

/** Structured logs: JSON lines for machines, or a readable single-line format for people. */
export function createLogger(
  level: string,
  format: 'pretty' | 'json',
  destination: NodeJS.WritableStream = process.stdout,
): Logger {
  if (format === 'json')
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination as never);
  // Loaded only for people at a terminal: a node logging JSON (every service, every test, every
  // benchmark) never needs the pretty printer and its colour and date libraries.
  const prettyStream = createRequire(import.meta.url)('pino-pretty') as typeof pretty;
  const stream = prettyStream({
    colorize: (destination as { isTTY?: boolean }).isTTY ?? false,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
    destination: destination as never,
    sync: true,
  });
  return pino({ level, base: undefined }, stream);
}
