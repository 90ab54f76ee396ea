/**
 * A configuration problem found at start. Its message names where (a JSON path or a variable) and what is wrong,
 * never the value, which may be a secret.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly path: string
  /** What is wrong, without the path. */
  readonly reason: string

  constructor(path: string, reason: string) {
    super(`config error at ${path}: ${reason}`)
    this.path = path
    this.reason = reason
  }
}

export function isConfigError(value: unknown): value is ConfigError {
  return value instanceof ConfigError
}
