import { TopicValidatorResult } from '@libp2p/interface';
import { ownBytes } from '../encoding/hex.js';
import type { Host } from './host.js';
import { FairIntake, INTAKE, type IntakeLimits } from './intake.js';

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
  isBanned(peerId: string): boolean;
  onReject(peerId: string, topic: string, code: string, reason: string): void;
  /** A message turned down as harmless to relay but maybe not free (the sender may still be charged). */
  onIgnore(peerId: string, topic: string, code: string, reason: string): void;
  /** A message from `peerId` passed validation (ACCEPT). */
  onAccept(peerId: string, topic: string): void;
  /** A message from `peerId` was dropped unvalidated: its intake queue was full. */
  onOverflow(peerId: string, topic: string): void;
  onError(err: Error): void;
  /** Every message's outcome, for metrics. */
  onVerdict?(topic: string, verdict: 'accept' | 'ignore' | 'reject'): void;
}

interface Arrival {
  msgId: string;
  topic: string;
  data: Uint8Array;
}

/**
 * The one gossip adapter: every topic's validator runs here, and its outcome is reported to
 * gossipsub (ACCEPT forwards, IGNORE drops, REJECT drops and lowers the sender's gossipsub score)
 * and, for REJECT, to powchain's own peer scorer. Logging and penalties live here, not in each topic.
 *
 * Messages wait in a FairIntake before they are validated: a bounded queue per sender, served in
 * turn, so a peer sending thousands of messages at once neither starves the other peers nor the
 * RPC server, and what it sends beyond its queue is dropped (IGNORE) and charged to it.
 */
export class GossipAdapter {
  private readonly validators = new Map<string, GossipValidator>();
  private readonly intake: FairIntake<Arrival>;

  constructor(
    private readonly host: Host,
    private readonly hooks: GossipHooks,
    limits: IntakeLimits = INTAKE,
  ) {
    this.intake = new FairIntake<Arrival>(
      (from, m) => this.validate(m.msgId, from, m.topic, m.data),
      (from, m, full) => {
        this.report(m.msgId, from, TopicValidatorResult.Ignore);
        if (full) this.hooks.onOverflow(from, m.topic);
      },
      limits,
    );
    host.services.pubsub.addEventListener('gossipsub:message', (evt) => {
      const { msgId, propagationSource, msg } = evt.detail;
      // Its own bytes: a message is a view into its gossip frame, which would otherwise stay
      // alive (up to the frame limit) for as long as a small message waits in the queue.
      const data = ownBytes(msg.data);
      this.intake.push(propagationSource.toString(), { msgId, topic: msg.topic, data }, data.byteLength);
    });
  }

  on(topic: string, validator: GossipValidator): void {
    this.validators.set(topic, validator);
  }

  /** Messages waiting for validation (all peers). */
  get queued(): number {
    return this.intake.queued;
  }

  /** Drop what `peerId` has queued, unvalidated (it is banned: nothing it sent is worth the work). */
  forget(peerId: string): void {
    this.intake.dropPeer(peerId);
  }

  /** Drop what is still queued (stopping). */
  close(): void {
    this.intake.close();
  }

  private async validate(msgId: string, from: string, topic: string, data: Uint8Array): Promise<void> {
    const validator = this.validators.get(topic);
    let result = TopicValidatorResult.Ignore;
    // A sender banned while its message waited: nothing it sent is worth the work.
    if (validator && !this.hooks.isBanned(from)) {
      try {
        await validator(data, from);
        result = TopicValidatorResult.Accept;
        this.hooks.onAccept(from, topic);
      } catch (err) {
        if (err instanceof GossipActionError) {
          result = err.action === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
          if (err.action === 'reject') this.hooks.onReject(from, topic, err.code, err.message);
          else this.hooks.onIgnore(from, topic, err.code, err.message);
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
    this.report(msgId, from, result);
  }

  private report(msgId: string, from: string, result: TopicValidatorResult): void {
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
