/** @module Serving the app on a real socket, and stopping it gracefully. */
import { createServer, type RequestListener, type ServerOptions } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { dispatchNodeRoute, nodeRoutesOf } from './node-routes.js'

export interface RunningServer {
  /** The address actually bound (the port is known even when 0 was asked for). */
  readonly url: string
  readonly port: number
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>
}

export interface ListenOptions {
  host: string
  port: number
  /** Errors of the server after it is listening (they would otherwise crash the process unseen). */
  onError?: (error: Error) => void
}

/** Serves `app` on a socket; the Node routes attached to it (`withNodeRoutes`) take their requests first. */
export function listen(app: Hono, options: ListenOptions): Promise<RunningServer> {
  const routes = nodeRoutesOf(app)
  // The adapter builds its server with the function it is given, from its own listener: wrapped so that the Node
  // routes see each request before the adapter turns it into a web Request.
  const withRoutes = ((serverOptions: ServerOptions, honoListener: RequestListener) =>
    createServer(serverOptions, (request, response) => {
      if (!dispatchNodeRoute(routes, request, response)) honoListener(request, response)
    })) as typeof createServer
  return new Promise((resolve, reject) => {
    const serveOptions = { fetch: app.fetch, hostname: options.host, port: options.port }
    const server = serve(
      routes.length === 0 ? serveOptions : { ...serveOptions, createServer: withRoutes },
      (info: AddressInfo) => {
        server.off('error', reject)
        server.on('error', (error: Error) => options.onError?.(error))
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: (graceMs = 10_000) =>
            new Promise<void>((done) => {
              const force = setTimeout(() => {
                if ('closeAllConnections' in server) server.closeAllConnections()
              }, graceMs)
              // A keep-alive socket becomes idle when its request finishes: close those as they appear, not after
              // their keep-alive timeout.
              const idle = setInterval(() => {
                if ('closeIdleConnections' in server) server.closeIdleConnections()
              }, 50)
              server.close(() => {
                clearTimeout(force)
                clearInterval(idle)
                done()
              })
              if ('closeIdleConnections' in server) server.closeIdleConnections()
            }),
        })
      },
    )
    server.once('error', reject)
  })
}
