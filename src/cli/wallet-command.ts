/**
 * `powchain wallet ...`: an HD wallet in an encrypted file, talking to a node over JSON-RPC.
 * The subcommands that hold keys and coins are here; what they share is in wallet/context.ts,
 * merkle proofs in wallet/proof-commands.ts.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { RpcConnectionError } from '../rpc/client.js';
import { Coins } from '../rpc/json.js';
import { parseAmount, parseFeeRate, formatCoins } from '../wallet/amount.js';
import { WalletError } from '../wallet/errors.js';
import { MAX_SCRYPT_LOG_N, MIN_SCRYPT_LOG_N } from '../wallet/keystore.js';
import { checkMnemonic, mnemonicToSeed, newMnemonic } from '../wallet/mnemonic.js';
import { getPassphrase, readMnemonicInput } from '../wallet/prompt.js';
import { checkAddress, Wallet, type HistoryEntry } from '../wallet/wallet.js';
import { clientFor } from './rpc-command.js';
import { action, note, openWallet, optionalClient, print, scryptOption, type Ctx } from './wallet/context.js';
import { proveCommand, verifyProofCommand } from './wallet/proof-commands.js';

async function create(ctx: Ctx): Promise<void> {
  const scrypt = scryptOption(ctx);
  if (existsSync(ctx.file))
    throw new WalletError(
      'wallet-exists',
      `a wallet already exists at ${ctx.file}; refusing to overwrite it (choose another file with --wallet)`,
    );
  const pass = await getPassphrase({ passphraseFile: ctx.opts.passphraseFile, confirm: true });
  const mnemonic = newMnemonic();
  const wallet = Wallet.create(ctx.file, pass, ctx.params, mnemonicToSeed(mnemonic), undefined, scrypt);
  wallet.close();
  const warning =
    'Write these words down, in order, and keep them offline. They are shown only this once. Anyone who has them can spend your coins; without them, a lost wallet file or passphrase means lost coins.';
  const words = mnemonic.split(' ');
  const grid = words
    .map((w, i) => `${String(i + 1).padStart(2)}. ${w.padEnd(9)}`)
    .reduce((rows, cell, i) => {
      if (i % 6 === 0) rows.push('');
      rows[rows.length - 1] += `  ${cell}`;
      return rows;
    }, [] as string[]);
  print(
    ctx,
    {
      network: ctx.params.name,
      file: ctx.file,
      fingerprint: wallet.keys.fingerprint,
      mnemonic,
      words: words.length,
      warning,
    },
    `Created wallet ${ctx.file} (${ctx.params.name}).\n\nRecovery phrase (${words.length} words):\n\n${grid.join('\n')}\n\n${warning}\n`,
  );
}

async function restore(ctx: Ctx, words: string[]): Promise<void> {
  const scrypt = scryptOption(ctx);
  if (existsSync(ctx.file))
    throw new WalletError(
      'wallet-exists',
      `a wallet already exists at ${ctx.file}; refusing to overwrite it (choose another file with --wallet)`,
    );
  const phrase = checkMnemonic(words.length > 0 ? words.join(' ') : await readMnemonicInput());
  const pass = await getPassphrase({ passphraseFile: ctx.opts.passphraseFile, confirm: true });
  const { rpc, why } = optionalClient(ctx);
  const wallet = Wallet.create(ctx.file, pass, ctx.params, mnemonicToSeed(phrase), rpc, scrypt);
  try {
    let scanned = false;
    let reason = why;
    if (rpc) {
      try {
        await wallet.sync();
        scanned = true;
      } catch (err) {
        if (!(err instanceof RpcConnectionError)) throw err;
        reason = err.message;
      }
    }
    const { receive, change } = wallet.keystore.state;
    if (!scanned)
      note(ctx, `note: addresses not scanned yet (${reason}); the next balance, history or send finds them`);
    print(
      ctx,
      {
        network: ctx.params.name,
        file: ctx.file,
        fingerprint: wallet.keys.fingerprint,
        scanned,
        receiveIndex: receive,
        changeIndex: change,
      },
      `Restored wallet ${ctx.file} (${ctx.params.name}): ${scanned ? `found ${receive} used receive and ${change} used change addresses` : 'not scanned yet'}.`,
    );
  } finally {
    wallet.close();
  }
}

async function address(ctx: Ctx): Promise<void> {
  const { rpc } = optionalClient(ctx);
  const wallet = await openWallet(ctx, rpc);
  try {
    let synced = false;
    if (rpc) {
      try {
        await wallet.sync();
        synced = true;
      } catch (err) {
        if (!(err instanceof RpcConnectionError)) throw err;
      }
    }
    if (!synced)
      note(ctx, 'note: no node reachable, so addresses used by other copies of this wallet were not checked');
    const k = wallet.nextReceiveAddress();
    print(ctx, { address: k.address, index: k.index, path: k.path, synced }, k.address);
  } finally {
    wallet.close();
  }
}

async function balance(ctx: Ctx): Promise<void> {
  const rpc = clientFor(ctx.opts);
  const wallet = await openWallet(ctx, rpc);
  try {
    const b = await wallet.balance();
    const rows: [string, bigint][] = [
      ['spendable', b.spendable],
      ['immature', b.immature],
      ['confirmed', b.confirmed],
      ['unconfirmed', b.unconfirmed],
      ['total', b.total],
    ];
    const width = Math.max(...rows.map(([, v]) => formatCoins(v).length));
    print(
      ctx,
      Object.fromEntries(rows.map(([k, v]) => [k, new Coins(v)])),
      rows.map(([k, v]) => `${k.padEnd(12)} ${formatCoins(v).padStart(width)}`).join('\n'),
    );
  } finally {
    wallet.close();
  }
}

async function send(ctx: Ctx, to: string, amountText: string): Promise<void> {
  // Everything the user typed is checked before the passphrase prompt and long before the node.
  checkAddress(to, ctx.params);
  const amount = parseAmount(amountText);
  const feeRate = ctx.opts.feeRate !== undefined ? parseFeeRate(ctx.opts.feeRate) : undefined;
  const rpc = clientFor(ctx.opts);
  const wallet = await openWallet(ctx, rpc);
  try {
    const r = await wallet.send(to, amount, feeRate);
    print(
      ctx,
      {
        txid: r.txid,
        to: r.to,
        amount: new Coins(r.amount),
        fee: new Coins(r.fee),
        feeRate: new Coins(r.feeRate),
        size: r.size,
        inputs: r.inputs.map((i) => ({ txid: i.txid, vout: i.index, value: new Coins(i.value) })),
        change: r.change ? { address: r.change.address, value: new Coins(r.change.value) } : null,
      },
      r.txid,
    );
    note(ctx, `sent ${formatCoins(r.amount)} to ${r.to}, fee ${formatCoins(r.fee)} (${r.size} bytes)`);
  } finally {
    wallet.close();
  }
}

function kind(e: HistoryEntry): string {
  return e.net > 0n ? 'receive' : e.net < 0n ? 'send' : 'self';
}

async function history(ctx: Ctx): Promise<void> {
  const rpc = clientFor(ctx.opts);
  const wallet = await openWallet(ctx, rpc);
  try {
    const list = await wallet.history();
    const json = list.map((e) => ({
      txid: e.txid,
      type: kind(e),
      height: e.height,
      confirmations: e.confirmations,
      received: new Coins(e.received),
      sent: new Coins(e.sent),
      net: new Coins(e.net),
      ...(e.to !== undefined ? { to: e.to, amount: new Coins(e.amount!), fee: new Coins(e.fee!) } : {}),
    }));
    const lines = list.map((e) => {
      const net = `${e.net > 0n ? '+' : ''}${formatCoins(e.net)}`;
      const extra = e.to ? `  to ${e.to} (fee ${formatCoins(e.fee!)})` : '';
      return `${String(e.confirmations).padStart(7)}  ${kind(e).padEnd(7)}  ${net.padStart(18)}  ${e.txid}${extra}`;
    });
    print(
      ctx,
      json,
      list.length === 0
        ? 'no transactions yet'
        : [`${'CONFS'.padStart(7)}  ${'TYPE'.padEnd(7)}  ${'AMOUNT'.padStart(18)}  TXID`, ...lines].join('\n'),
    );
  } finally {
    wallet.close();
  }
}

async function info(ctx: Ctx): Promise<void> {
  const wallet = await openWallet(ctx);
  try {
    const s = wallet.keystore.state;
    const receive = Array.from({ length: s.receive }, (_, i) => wallet.keys.address(0, i));
    const change = Array.from({ length: s.change }, (_, i) => wallet.keys.address(1, i));
    const kdf = wallet.keystore.kdf;
    const json = {
      network: ctx.params.name,
      file: ctx.file,
      fingerprint: wallet.keys.fingerprint,
      derivation: `${wallet.keys.accountPath}/<0 receive|1 change>/<index>`,
      receiveIndex: s.receive,
      changeIndex: s.change,
      receiveAddresses: receive,
      changeAddresses: change,
      sentTransactions: s.sent.length,
      lockedOutpoints: wallet.lockedOutpoints().size,
      kdf: { name: 'scrypt', ...kdf },
      cipher: 'aes-256-gcm',
      created: new Date(s.created * 1000).toISOString(),
    };
    const text = [
      `wallet       ${ctx.file}`,
      `network      ${ctx.params.name}`,
      `fingerprint  ${json.fingerprint}`,
      `derivation   ${json.derivation}`,
      `receive      ${s.receive} address(es) handed out${receive.length ? `: ${receive.join(' ')}` : ''}`,
      `change       ${s.change} address(es) used${change.length ? `: ${change.join(' ')}` : ''}`,
      `sent         ${s.sent.length} transaction(s), ${json.lockedOutpoints} coin(s) locked as recently spent`,
      `encryption   scrypt n=${kdf.n} r=${kdf.r} p=${kdf.p}, aes-256-gcm`,
      `created      ${json.created}`,
    ].join('\n');
    print(ctx, json, text);
  } finally {
    wallet.close();
  }
}

/** `powchain wallet ...`: an HD wallet in an encrypted file, talking to a node over JSON-RPC. */
export function walletCommand(): Command {
  const wallet = new Command('wallet')
    .description('keep keys in an encrypted wallet file; build and sign transactions locally and hand them to a node')
    .option('--network <name>', 'main, testnet or regtest (default testnet, or the network of --wallet)')
    .option('--wallet <file>', 'wallet file (default ~/.powchain/<network>/wallet.json)')
    .option('--datadir <dir>', "the node's data directory (for its RPC cookie)")
    .option('--rpc-port <n>', "the node's RPC port")
    .option('--rpc-url <url>', 'full RPC URL of the node (overrides --rpc-port)')
    .option('--rpc-user <user>', 'RPC user')
    .option('--rpc-password <password>', 'RPC password')
    .option(
      '--passphrase-file <file>',
      'read the wallet passphrase from this file (else POWCHAIN_PASSPHRASE, else a prompt)',
    )
    .option('--json', 'print JSON');
  const sub = (name: string, description: string) =>
    wallet.command(name).description(description).exitOverride().showHelpAfterError('(run with --help for usage)');
  sub('create', 'create a new wallet and show its recovery phrase once')
    .option(
      '--scrypt-log-n <n>',
      `scrypt cost 2^n for the file's key (${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}, default 17)`,
    )
    .action(action(create));
  sub('restore', 'restore a wallet from its recovery phrase (argument, prompt or stdin) and scan for its addresses')
    .argument('[words...]', 'the recovery phrase; omit it to be prompted')
    .option(
      '--scrypt-log-n <n>',
      `scrypt cost 2^n for the file's key (${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}, default 17)`,
    )
    .action(action(restore));
  sub('address', 'show a new receive address').action(action(address));
  sub('balance', 'spendable, immature and unconfirmed coins of the wallet, as the node reports them').action(
    action(balance),
  );
  sub('send', 'pay an amount of coins to an address')
    .argument('<address>', 'address to pay')
    .argument('<amount>', 'coins, a decimal with at most 8 decimals (like 12.5)')
    .option('--fee-rate <coins/kB>', "fee rate in coins per 1,000 bytes (default: the node's estimatesmartfee)")
    .action(action(send));
  sub('history', "transactions that paid or spent the wallet's coins, with confirmations").action(action(history));
  sub('info', 'the wallet file: network, derivation path, addresses handed out, encryption').action(action(info));
  sub('prove', 'print a merkle proof that a confirmed transaction is in a block (for someone holding only headers)')
    .argument('<txid>', 'the transaction')
    .option('--blockhash <hash>', 'the block holding it (default: the node finds it)')
    .action(action(proveCommand));
  sub(
    'verify-proof',
    'check a merkle proof against block headers this wallet fetches and checks itself (proof of work, difficulty, links)',
  )
    .argument('<proof>', "the proof's hex, or - to read it from stdin")
    .action(action(verifyProofCommand));
  return wallet;
}
