import { TopicValidatorResult } from '@libp2p/interface';
import type { Host } from './host.js';

/** How a gossip validator turns down a message: IGNORE (harmless) or REJECT (the sender pays). */
export class GossipActionError extends Error {
  override readonly name = 'GossipActionError';
  constructor(
    readonly action: 'ignore' | 'reject',
    readonly code: string,
    message = code,
  ) {
    super(message);
  }
}

/** Validates one message; returning normally means ACCEPT. */
export type GossipValidator = (data: Uint8Array, from: string) => Promise<void>;

export interface GossipHooks {
  onReject(peerId: string, topic: string, code: string, reason: string): void;
  onError(err: Error): void;
  /** Every message's outcome, for metrics. */
  onVerdict?(topic: string, verdict: 'accept' | 'ignore' | 'reject'): void;
}

/**
 * The one gossip adapter: every topic's validator runs here, and its outcome is reported to
 * gossipsub (ACCEPT forwards, IGNORE drops, REJECT drops and lowers the sender's gossipsub score)
 * and, for REJECT, to powchain's own peer scorer. Logging and penalties live here, not in each topic.
 */
export class GossipAdapter {
  private readonly validators = new Map<string, GossipValidator>();

  constructor(
    private readonly host: Host,
    private readonly hooks: GossipHooks,
  ) {
    host.services.pubsub.addEventListener('gossipsub:message', (evt) => {
      const { msgId, propagationSource, msg } = evt.detail;
      void this.validate(msgId, propagationSource.toString(), msg.topic, msg.data);
    });
  }

  on(topic: string, validator: GossipValidator): void {
    this.validators.set(topic, validator);
  }

  private async validate(msgId: string, from: string, topic: string, data: Uint8Array): Promise<void> {
    const validator = this.validators.get(topic);
    let result = TopicValidatorResult.Ignore;
    if (validator) {
      try {
        await validator(data, from);
        result = TopicValidatorResult.Accept;
      } catch (err) {
        if (err instanceof GossipActionError) {
          result = err.action === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
          if (err.action === 'reject') this.hooks.onReject(from, topic, err.code, err.message);
        } else {
          // A failure of our own (I/O, a bug) is never the sender's fault.
          this.hooks.onError(err as Error);
        }
      }
    }
    this.hooks.onVerdict?.(
      topic,
      result === TopicValidatorResult.Accept ? 'accept' : result === TopicValidatorResult.Reject ? 'reject' : 'ignore',
    );
    try {
      this.host.services.pubsub.reportMessageValidationResult(msgId, from, result);
    } catch {
      // The host may be stopping; the message is simply dropped.
    }
  }

  async publish(topic: string, data: Uint8Array): Promise<number> {
    const r = await this.host.services.pubsub.publish(topic, data);
    return r.recipients.length;
  }
}
