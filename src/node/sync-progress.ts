import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { NetService } from '../net/service.js';
import type { SyncProgress } from '../net/sync.js';
import type { Logger } from './logger.js';

/**
 * Show sync progress: a progress bar (blocks, percent, blocks/s, ETA) when the output is a
 * terminal, log lines otherwise (at most one every few seconds, so logs stay readable).
 */
export function showSyncProgress(net: NetService, log: Logger, stream: NodeJS.WriteStream = process.stderr): void {
  let bar: cliProgress.SingleBar | undefined;
  let lastLog = 0;
  const onProgress = (p: SyncProgress) => {
    const rate = p.blocks / Math.max(0.001, (performance.now() - p.startedAt) / 1000);
    if (stream.isTTY) {
      if (!bar) {
        // Loaded on the first bar: a node without a terminal (a service, a test) never draws one.
        const progress = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
        bar = new progress.SingleBar(
          {
            format: 'sync |{bar}| {percentage}% | {value}/{total} blocks | {rate} blocks/s | ETA {eta_formatted}',
            stream,
            hideCursor: true,
            clearOnComplete: true,
          },
          progress.Presets.shades_classic,
        );
        bar.start(p.target, p.height, { rate: rate.toFixed(0) });
      }
      bar.setTotal(Math.max(p.target, p.height));
      bar.update(p.height, { rate: rate.toFixed(0) });
      return;
    }
    const now = performance.now();
    if (now - lastLog >= 5_000 || p.height >= p.target) {
      lastLog = now;
      log.info(
        {
          height: p.height,
          target: p.target,
          percent: Math.floor((100 * p.height) / Math.max(1, p.target)),
          blocksPerSecond: Math.round(rate),
        },
        'sync progress',
      );
    }
  };
  net.on('progress', onProgress);
  net.on('done', (d) => {
    bar?.stop();
    bar = undefined;
    log.info(d, 'sync finished');
  });
}
