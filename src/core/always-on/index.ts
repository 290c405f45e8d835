// The always-on healing gateway in Docker, next to Archon's container. No VS Code imports.
export * from './sidecar-vocabulary';
export {
  dockerGatewayUp,
  dockerGatewayDown,
  dockerGatewayStatus,
  asDockerGatewayError,
  type DockerConnection,
  type DockerGatewayUpResult,
} from './sidecar-container';
export { resolveUpstream, userNetworks, containerPortFor, type ResolvedUpstream } from './upstream-address';
export { ensureGatewayImage, gatewayDockerfile, type GatewayImage } from './image';
