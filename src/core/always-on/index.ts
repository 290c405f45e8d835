// The always-on healing gateway in Docker, next to Archon's container. No VS Code imports.
export * from './types';
export { dockerGatewayUp, dockerGatewayDown, dockerGatewayStatus, asDockerGatewayError, type DockerConnection, type DockerGatewayUpResult } from './container';
export { resolveUpstream, userNetworks, containerPortFor, type ResolvedUpstream } from './upstream';
export { ensureGatewayImage, gatewayDockerfile, type GatewayImage } from './image';
