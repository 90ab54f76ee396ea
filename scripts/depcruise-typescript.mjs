// dependency-cruiser parses TypeScript with the `typescript` package, and
// supports its versions 2 to 6. The project compiles with TypeScript 7, which
// ships no compiler API, so dependency-cruiser is handed TypeScript 5, installed
// as `typescript-for-depcruise`, for its imports of `typescript` (ES modules
// and require alike). Nothing else sees the swap.
import Module, { register } from 'node:module'

const FROM = 'typescript'
const TO = 'typescript-for-depcruise'
const isDepcruise = (parent) => typeof parent === 'string' && parent.includes('/node_modules/dependency-cruiser/')
const swapped = (specifier) =>
  specifier === FROM || specifier.startsWith(`${FROM}/`) ? TO + specifier.slice(FROM.length) : undefined

const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, parent, ...rest) {
  const target = isDepcruise(parent?.filename) ? swapped(request) : undefined
  return resolveFilename.call(this, target ?? request, parent, ...rest)
}

register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      const parent = context.parentURL ?? ''
      if (parent.includes('/node_modules/dependency-cruiser/') && (specifier === '${FROM}' || specifier.startsWith('${FROM}/'))) {
        return next('${TO}' + specifier.slice(${FROM.length}), context)
      }
      return next(specifier, context)
    }`)}`,
)
