/**
 * tools: one-off programs the repository keeps so they compile with the rest and are
 * type-checked: the genesis miner (`npm run genesis`).
 *
 * May import: consensus, encoding. Nothing imports it.
 */
export {};
