/** The slice of pino the domain uses; fastify's logger satisfies it. */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Where log lines go instead of stdout (tests read them to prove no secret is written). */
export interface LogDestination {
  write(line: string): void
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
