// Docker awareness: connection, container watcher, loss diagnosis, memory, logs. No VS Code imports.
export * from './engine-address';
export * from './events';
export * from './diagnose';
export * from './memory';
export * from './logs';
export * from './snapshot';
export * from './actions';
export { tarStream, type TarEntry } from './tar';
export { ContainerWatcher } from './watcher';
export type {
  ContainerWatcherOptions,
  ContainerWatcherEvents,
  ContainerDown,
  ContainerRestart,
  HealthChange,
} from './watcher';
export { DockerLink, DEFAULT_DOCKER_LINK_OPTIONS, type DockerLinkOptions } from './docker-link';
export { DockerSupervisor, type DockerSettings } from './docker-supervisor';
