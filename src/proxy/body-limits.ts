/**
 * @module How much of a proxied request's body is buffered (and so retryable), and the most it may be
 * (docs/http-api.md, "Bodies").
 */

/** Bodies up to this size are read first, so that the call can be retried; larger ones stream, once. */
export const bufferedBodyBytes = 1024 * 1024

/** The largest request body the proxy sends. */
export const maxProxyBodyBytes = 10 * 1024 * 1024
