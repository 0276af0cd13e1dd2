/**
 * Set by the codec while it parses a document that came out of JSON.parse: every value in it is already plain
 * JSON, so the per-key JSON check on unknown keys is skipped. Parsing is synchronous, so the flag cannot leak.
 */
export const parseMode = { trustedJson: false };
