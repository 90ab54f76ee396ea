/**
 * Junction runs in Node.js (embedded database, sockets): Next.js loads it as it is instead of bundling it.
 * `serverExternalPackages` alone does not catch the `file:../..` link (Next.js knows a package by its node_modules
 * path), hence the explicit external.
 * @type {import('next').NextConfig}
 */
export default {
  serverExternalPackages: ['junction'],
  webpack(config, { isServer }) {
    if (isServer) config.externals.push({ junction: 'import junction' })
    return config
  },
}
