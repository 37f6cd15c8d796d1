/**
 * cli: the `powchain` program (commander). It parses arguments, calls the layer that does the
 * work, and prints the answer for people (tables, progress) or for scripts (--json). One file a
 * command; wallet/ holds what the wallet's subcommands share and its merkle proof verbs.
 *
 * May import: node, wallet, testnet, bench, rpc (the client), consensus. Nothing imports it.
 */
export { main, buildProgram } from './main.js';
