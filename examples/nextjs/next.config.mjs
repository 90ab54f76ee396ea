import { fileURLToPath } from 'node:url'

/**
 * Junction runs in Node.js (embedded database, sockets): Next.js loads it as it is instead of bundling it.
 * `serverExternalPackages` alone does not catch the `file:../..` link (Next.js knows a package by its node_modules
 * path), hence the explicit external.
 * The app's files reach up to the repository (the link, and Junction's own node_modules), which is therefore its root:
 * said here, Next.js does not guess it from the two package-lock.json files and warn at each start.
 * @type {import('next').NextConfig}
 */
export default {
  outputFileTracingRoot: fileURLToPath(new URL('../..', import.meta.url)),
  serverExternalPackages: ['junction'],
  webpack(config, { isServer }) {
    if (isServer) config.externals.push({ junction: 'import junction' })
    return config
  },
}
