// Public API of src/web/: the static file server behind `plainwire serve`.
export {
  startStaticServer,
  ServeRootError,
  DEFAULT_LIMITS,
  type StaticServer,
  type StaticServerOptions,
  type ServeLimits,
} from './server.js';
export { contentTypeFor, mediaTypeFor } from './mime.js';
export { parseRequestTarget, type RequestTarget } from './request-target.js';
export { classifyFirstLine, type FirstLine } from './request-line.js';
export { planTarget, planFound, type ResponsePlan } from './plan.js';
