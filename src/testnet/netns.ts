/**
 * Peers as hosts of their own: one Linux network namespace per peer, each with its own address on
 * a bridge, and nftables rules inside each namespace to drop packets (a real partition: silence,
 * not a closed connection). Needs CAP_NET_ADMIN (root), iproute2 (`ip`) and nftables (`nft`).
 *
 * Layout of a lab in slot n (1..250), for hosts 0..k-1:
 *   bridge  pcn<n>-br  in the root namespace, address 198.18.<n>.1/24 (this process reaches the
 *                      peers' RPC through it)
 *   host i  namespace pcn<n>-p<i>, interface eth0 = 198.18.<n>.<10+i>/24 (a veth whose other end,
 *           pcn<n>-h<i>, is on the bridge), lo up; no default route, so nothing leaves the subnet
 *   drops   table `inet powchain` in each namespace, rewritten whole by `setDrops`
 * 198.18.0.0/15 is reserved for network benchmarks (RFC 2544): it is never someone's real network,
 * and it exists only on these bridges. The slot is claimed in the run registry (registry.ts), so
 * concurrent runs never share a subnet or a name. Everything is named with its slot's prefix, and
 * `sweepStale` removes what a run that died left behind.
 *
 * Reused by every mode that wants peers as hosts: `NetLab.create`, `execPrefix(i)` to run a
 * command inside host i, `ip(i)`, `setDrops(i, ...)`, `destroy()`.
 */
import { execFile } from 'node:child_process';
import { killIfOurs, RunRegistry, type RunClaim } from './registry.js';

export const SLOT_PREFIX = 'pcn';
const MAX_SLOT = 250;
export const MAX_HOSTS = 200;
/** The nftables table each namespace's drop rules live in. */
const NFT_TABLE = 'powchain';

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
}

/** Run a command; resolves with its stdout, rejects with a NetnsError naming it and its stderr. */
export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (stderr || err.message).trim().split('\n')[0];
      reject(new NetnsError(`${cmd} ${args.join(' ')}: ${why}`));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Why namespaces cannot be used here, or undefined when they can (checked by making one). */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN)';
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
  ] as const) {
    try {
      await run(tool, ['-V']);
    } catch {
      return `'${tool}' is not installed (Debian package ${pkg})`;
    }
  }
  const probe = `${SLOT_PREFIX}probe${process.pid}`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'exec', probe, 'nft', 'list', 'ruleset']);
  } catch (err) {
    return `cannot use network namespaces: ${(err as Error).message}`;
  } finally {
    await run('ip', ['netns', 'del', probe]).catch(() => undefined);
  }
  return undefined;
}

function namesOf(slot: number) {
  const prefix = `${SLOT_PREFIX}${slot}`;
  return {
    prefix,
    bridge: `${prefix}-br`,
    ns: (i: number) => `${prefix}-p${i}`,
    hostVeth: (i: number) => `${prefix}-h${i}`,
    peerVeth: (i: number) => `${prefix}-n${i}`,
    subnet: `198.18.${slot}.0/24`,
    hostIp: `198.18.${slot}.1`,
    ip: (i: number) => `198.18.${slot}.${10 + i}`,
  };
}

/** The nft script that makes host i drop what comes from `from` and what goes to `to`. */
export function dropRules(from: string[], to: string[]): string {
  const set = (ips: string[]) => `{ ${ips.join(', ')} }`;
  return [
    'flush ruleset',
    `table inet ${NFT_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    ...(from.length > 0 ? [`    ip saddr ${set(from)} drop`] : []),
    '  }',
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    ...(to.length > 0 ? [`    ip daddr ${set(to)} drop`] : []),
    '  }',
    '}',
    '',
  ].join('\n');
}

export class NetLab {
  private readonly names: ReturnType<typeof namesOf>;
  private destroyed = false;

  private constructor(
    readonly claim: RunClaim,
    readonly hosts: number,
  ) {
    this.names = namesOf(claim.slot!);
  }

  get slot(): number {
    return this.claim.slot!;
  }
  get bridge(): string {
    return this.names.bridge;
  }
  get hostIp(): string {
    return this.names.hostIp;
  }
  get subnet(): string {
    return this.names.subnet;
  }
  ns(i: number): string {
    return this.names.ns(i);
  }
  ip(i: number): string {
    return this.names.ip(i);
  }
  /** The argv prefix that runs a command inside host i. */
  execPrefix(i: number): string[] {
    return ['ip', 'netns', 'exec', this.ns(i)];
  }

  /**
   * Claim a free slot (sweeping stale ones first) and build the lab: bridge, namespaces, veths,
   * addresses. On failure everything made so far is removed and the slot released.
   */
  static async create(hosts: number, registry = new RunRegistry()): Promise<NetLab> {
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS)
      throw new NetnsError(`a lab has 1 to ${MAX_HOSTS} hosts`);
    await sweepStale(registry);
    const taken = registry.heldSlots();
    const inUse = await run('ip', ['-4', '-o', 'addr', 'show']);
    let claim: RunClaim | undefined;
    for (let slot = 1; slot <= MAX_SLOT && !claim; slot++) {
      if (taken.has(slot) || inUse.includes(` 198.18.${slot}.`)) continue;
      claim = registry.claimSlot(slot);
    }
    if (!claim) throw new NetnsError(`every network slot (198.18.1-${MAX_SLOT}.0/24) is in use`);
    const lab = new NetLab(claim, hosts);
    try {
      await lab.build();
    } catch (err) {
      await lab.destroy().catch(() => undefined);
      throw err;
    }
    return lab;
  }

  private async build(): Promise<void> {
    const n = this.names;
    await run('ip', ['link', 'add', n.bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', `${n.hostIp}/24`, 'dev', n.bridge]);
    await run('ip', ['link', 'set', n.bridge, 'up']);
    for (let i = 0; i < this.hosts; i++) {
      const ns = n.ns(i);
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['link', 'add', n.hostVeth(i), 'type', 'veth', 'peer', 'name', n.peerVeth(i), 'netns', ns]);
      await run('ip', ['link', 'set', n.hostVeth(i), 'master', n.bridge, 'up']);
      await run('ip', ['-n', ns, 'link', 'set', n.peerVeth(i), 'name', 'eth0']);
      await run('ip', ['-n', ns, 'addr', 'add', `${n.ip(i)}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await this.setDrops(i, [], []);
    }
  }

  /** Host i drops every packet from the addresses in `from` and to those in `to` (replacing its rules). */
  async setDrops(i: number, from: string[], to: string[]): Promise<void> {
    await run('ip', ['netns', 'exec', this.ns(i), 'nft', '-f', '-'], dropRules(from, to));
  }

  /** Kill whatever still runs in the namespaces, delete them and the bridge, release the slot. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await destroySlot(this.slot);
    this.claim.release();
  }
}

/** Remove every namespace and link of a slot, killing the processes inside its namespaces first. */
export async function destroySlot(slot: number): Promise<string[]> {
  const { prefix } = namesOf(slot);
  const removed: string[] = [];
  const namespaces = (await run('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((name) => name.startsWith(`${prefix}-`));
  for (const ns of namespaces) {
    const pids = await run('ip', ['netns', 'pids', ns]).catch(() => '');
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    removed.push(`namespace ${ns}`);
  }
  const links = (await run('ip', ['-o', 'link', 'show']).catch(() => ''))
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .filter((name): name is string => !!name && name.startsWith(`${prefix}-`));
  for (const link of links) {
    await run('ip', ['link', 'del', link]).catch(() => undefined);
    removed.push(`link ${link}`);
  }
  return removed;
}

/**
 * Remove what runs that are gone left behind: their processes, their slots' namespaces and links,
 * their records; and namespaces or links of a slot no record holds. Returns one line per thing
 * removed. Runs whose owner is alive are never touched.
 */
export async function sweepStale(registry = new RunRegistry()): Promise<string[]> {
  const removed: string[] = [];
  for (const r of registry.stale()) {
    for (const p of r.record?.processes ?? [])
      if (killIfOurs(p.pid, p.match)) removed.push(`process ${p.pid} (${p.match})`);
    if (r.slot !== undefined && process.getuid?.() === 0) removed.push(...(await destroySlot(r.slot)));
    registry.forget(r.file);
  }
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    // Names first, then the records: a run creates its record before its names and removes it
    // after them, so a name whose slot has no record by then belongs to no live run.
    const names = [
      ...(await run('ip', ['netns', 'list']).catch(() => '')).split('\n').map((l) => l.split(' ')[0]!),
      ...(await run('ip', ['-o', 'link', 'show']).catch(() => ''))
        .split('\n')
        .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? ''),
    ];
    const held = registry.heldSlots();
    const orphanSlots = new Set(
      names.flatMap((name) => {
        const m = new RegExp(`^${SLOT_PREFIX}(\\d+)-`).exec(name);
        return m && !held.has(Number(m[1])) ? [Number(m[1])] : [];
      }),
    );
    for (const slot of orphanSlots) removed.push(...(await destroySlot(slot)));
  }
  return removed;
}
