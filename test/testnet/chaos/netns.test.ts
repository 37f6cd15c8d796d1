/**
 * Peers as hosts (src/testnet/netns.ts), for real: three namespaces on a bridge reach each other
 * and this process reaches them; a drop rule makes one host silent to another (a connection
 * attempt times out, it is not refused) while the third still gets through; destroy removes
 * namespaces, bridge and registry record. The sweep removes what a dead run left (its node
 * process inside a namespace included) and names of a slot no record holds, and never touches a
 * live run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { NetLab, run, sweepStale } from '../../../src/testnet/netns.js';
import { RunRegistry } from '../../../src/testnet/registry.js';
import { netnsTest } from './gate.js';

/** Run `node -e code` inside a namespace; its stdout. */
async function inNs(ns: string, code: string): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, process.execPath, '-e', code])).trim();
}

/** A connection attempt from inside `ns` to ip:port: 'ok', 'refused' or 'timeout'. */
function tryConnect(ns: string, ip: string, port: number): Promise<string> {
  return inNs(
    ns,
    `const s=require('net').connect({host:'${ip}',port:${port}});` +
      `const t=setTimeout(()=>{console.log('timeout');process.exit(0)},1500);` +
      `s.on('connect',()=>{console.log('ok');process.exit(0)});` +
      `s.on('error',e=>{console.log(e.code==='ECONNREFUSED'?'refused':e.code);process.exit(0)})`,
  );
}

const namespaces = async () => (await run('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!);
const links = async () => await run('ip', ['-o', 'link', 'show']);

netnsTest(
  'three hosts on a bridge: they and this process reach each other; drops make one silent; destroy removes it all',
  async () => {
    const registry = new RunRegistry();
    const lab = await NetLab.create(3, registry);
    try {
      expect(lab.ip(0)).toBe(`198.18.${lab.slot}.10`);
      expect(await namespaces()).toEqual(expect.arrayContaining([lab.ns(0), lab.ns(1), lab.ns(2)]));
      // A listener in host 0, on its own address.
      const server = spawn(
        'ip',
        [
          ...lab.execPrefix(0).slice(1),
          process.execPath,
          '-e',
          `require('net').createServer(s=>{s.on('error',()=>{});s.end('hi')}).listen(7000,'${lab.ip(0)}',()=>console.log('up'))`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      try {
        await new Promise<void>((r) => server.stdout.once('data', () => r()));
        expect(await tryConnect(lab.ns(1), lab.ip(0), 7000)).toBe('ok');
        expect(await tryConnect(lab.ns(2), lab.ip(0), 7000)).toBe('ok');
        // This process (the root namespace) reaches it over the bridge.
        const fromRoot = await new Promise<string>((resolve) => {
          const s = connect({ host: lab.ip(0), port: 7000 });
          let got = '';
          s.on('data', (d) => (got += d.toString()));
          s.on('end', () => resolve(got));
          s.on('error', (e) => resolve(e.message));
        });
        expect(fromRoot).toBe('hi');

        // Host 0 drops what comes from host 1: silence, not a refusal; host 2 still gets through.
        await lab.setDrops(0, [lab.ip(1)], []);
        expect(await tryConnect(lab.ns(1), lab.ip(0), 7000)).toBe('timeout');
        expect(await tryConnect(lab.ns(2), lab.ip(0), 7000)).toBe('ok');
        // Host 2 drops what it sends to host 0.
        await lab.setDrops(2, [], [lab.ip(0)]);
        expect(await tryConnect(lab.ns(2), lab.ip(0), 7000)).toBe('timeout');
        // Rules are replaced whole: cleared, everyone gets through again.
        await lab.setDrops(0, [], []);
        await lab.setDrops(2, [], []);
        expect(await tryConnect(lab.ns(1), lab.ip(0), 7000)).toBe('ok');
        expect(await tryConnect(lab.ns(2), lab.ip(0), 7000)).toBe('ok');
        // Nothing leaves the subnet: no default route inside.
        expect(await tryConnect(lab.ns(1), '192.0.2.1', 80)).toBe('ENETUNREACH');
      } finally {
        server.kill('SIGKILL');
      }
    } finally {
      await lab.destroy();
    }
    expect((await namespaces()).filter((n) => n.startsWith(`pcn${lab.slot}-`))).toEqual([]);
    expect(await links()).not.toContain(`pcn${lab.slot}-`);
    expect(existsSync(lab.claim.file)).toBe(false);
  },
  120_000,
);

netnsTest(
  'the sweep removes what a dead run left, and orphaned names, and leaves a live run alone',
  async () => {
    const registry = new RunRegistry();
    const dead = await NetLab.create(2, registry);
    const live = await NetLab.create(1, registry);
    try {
      // A process inside the dead run's namespace, registered in its claim.
      const sleeper = spawn('ip', [...dead.execPrefix(0).slice(1), 'sleep', '300'], {
        stdio: 'ignore',
        detached: true,
      });
      sleeper.unref();
      dead.claim.addProcess(sleeper.pid!, 'sleep');
      // Its owner "dies": the record now names a process that has exited.
      const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
      const record = JSON.parse(readFileSync(dead.claim.file, 'utf8')) as { owner: { pid: number } };
      record.owner.pid = Number(gone.stdout.trim());
      writeFileSync(dead.claim.file, JSON.stringify(record));
      // And a namespace of a slot nobody holds.
      const orphanSlot = 249;
      await run('ip', ['netns', 'add', `pcn${orphanSlot}-p0`]);

      const removed = await sweepStale(registry);
      expect(removed).toEqual(
        expect.arrayContaining([
          `process ${sleeper.pid} (sleep)`,
          `namespace ${dead.ns(0)}`,
          `namespace ${dead.ns(1)}`,
          `link ${dead.bridge}`,
          `namespace pcn${orphanSlot}-p0`,
        ]),
      );
      const names = await namespaces();
      expect(names.filter((n) => n.startsWith(`pcn${dead.slot}-`) || n.startsWith(`pcn${orphanSlot}-`))).toEqual([]);
      expect(existsSync(dead.claim.file)).toBe(false);
      let alive = true;
      for (let i = 0; i < 50 && alive; i++) {
        try {
          process.kill(sleeper.pid!, 0);
          await new Promise((r) => setTimeout(r, 100));
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
      // The live run is untouched.
      expect(names).toContain(live.ns(0));
      expect(existsSync(live.claim.file)).toBe(true);
    } finally {
      await live.destroy();
      await dead.destroy().catch(() => undefined);
    }
  },
  120_000,
);
