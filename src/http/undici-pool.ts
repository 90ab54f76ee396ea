/**
 * @module undici's connection pool, without one leak. A request that undici refuses while dispatching it (a body of
 * a type it does not take, a malformed method or header) fails at once with `UND_ERR_INVALID_ARG`, but the pool's
 * client also answers "busy" (`dispatch()` returns false) and, holding nothing, never says it drained: the pool
 * counts that connection as taken for good. After `connections` such requests every request waits in the pool's
 * queue, where undici only notes an abort until a connection takes the request, so they hang (seen with undici
 * 7.30.2: 128 calls with an object as body, then every call of that client hung).
 */
import { Client, type Dispatcher, Pool } from 'undici'

/** A client that, having refused a request while holding nothing else, says it is free rather than busy. */
class RefusalSafeClient extends Client {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // A request it took is in its queue until done (size ≥ 1); size 0 after a false means it took nothing.
    return super.dispatch(options, handler) || this.stats.size === 0
  }
}

/** An undici Agent `factory`: a pool per origin whose connections survive requests undici refuses. */
export function refusalSafePool(origin: string | URL, options: object): Dispatcher {
  return new Pool(origin, { ...options, factory: (url, clientOptions) => new RefusalSafeClient(url, clientOptions) })
}
