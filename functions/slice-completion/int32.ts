// A leaf of its own, so the parser and the update rules share the bound without importing each
// other.

/** Kodexa stores a slice's integers as Java int32: a PUT with a larger one is a 400, forever. */
export const INT32_MAX = 2_147_483_647;
