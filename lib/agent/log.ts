// One line per event, prefixed with a namespace (vmops:agent:h1:http) so the lines of several
// agents, the worker and the dashboard can be told apart when they share a terminal or a CI log.
export type Logger = ((msg: string) => void) & { child(sub: string): Logger; readonly namespace: string };

export function createLogger(
  namespace: string,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Logger {
  const log = ((msg: string) => write(`${new Date().toISOString()} ${namespace} ${msg}`)) as Logger;
  Object.defineProperty(log, 'namespace', { value: namespace });
  log.child = (sub: string) => createLogger(`${namespace}:${sub}`, write);
  return log;
}

// For tests and embedding: collects lines instead of printing them.
export function createMemoryLogger(namespace = 'test'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = createLogger(namespace, (l) => lines.push(l)) as Logger & { lines: string[] };
  log.lines = lines;
  return log;
}
