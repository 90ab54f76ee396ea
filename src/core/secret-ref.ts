/** @module Secrets in the config file: a plain string or `{ "env": "NAME" }`, resolved once at start. */
import { z } from 'zod'
import { ConfigError } from './config-error.js'

export const secretRefSchema = z.union([z.string().min(1), z.strictObject({ env: z.string().min(1) })])
export type SecretRef = z.infer<typeof secretRefSchema>

/** Resolves a secret reference; a missing variable is a config error that names the variable, never a value. */
export function resolveSecret(ref: SecretRef, path: string, env: Readonly<Record<string, string | undefined>>): string {
  if (typeof ref === 'string') return ref
  const value = env[ref.env]
  if (value === undefined || value === '') {
    throw new ConfigError(path, `environment variable ${ref.env} is not set`)
  }
  return value
}
