// The lab's --ports value: one port per service in a fixed order, or "auto" for ports the system picks.

/** The order of the numbers in --ports; the fourth (the chat's web client) may be left out for its default. */
export const PORT_ORDER = ['serve', 'store', 'chat-server', 'chat-web'] as const;

export type PortName = (typeof PORT_ORDER)[number];

export const DEFAULT_PORTS: Readonly<Record<PortName, number>> = {
  serve: 8000,
  store: 8001,
  'chat-server': 8090,
  'chat-web': 8080,
};

/** A --ports value that is not a list of ports or "auto", with what to type instead. */
export class PortsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortsError';
  }
}

/** "8000,8001,8090[,8080]" or "auto" (every port 0: the system picks free ones) -> a port per service. */
export function parsePorts(value: string): Record<PortName, number> {
  const text = value.trim();
  if (text.toLowerCase() === 'auto')
    return Object.fromEntries(PORT_ORDER.map((name) => [name, 0])) as Record<PortName, number>;
  const parts = text.split(',').map((part) => part.trim());
  const usage = `give ${PORT_ORDER.length - 1} or ${PORT_ORDER.length} ports in the order ${PORT_ORDER.join(',')} (e.g. ${Object.values(DEFAULT_PORTS).join(',')}), or "auto"`;
  if (parts.length < PORT_ORDER.length - 1 || parts.length > PORT_ORDER.length)
    throw new PortsError(`"${value}" has ${parts.length} port${parts.length === 1 ? '' : 's'}: ${usage}`);
  const ports: Record<PortName, number> = { ...DEFAULT_PORTS };
  const seen = new Map<number, PortName>();
  parts.forEach((part, i) => {
    const name = PORT_ORDER[i]!;
    const port = Number(part);
    if (!/^\d+$/.test(part) || port > 65535)
      throw new PortsError(
        `"${part}" (for ${name}) is not a port number (0-65535; 0 picks a free one): ${usage}`,
      );
    const other = seen.get(port);
    if (port !== 0 && other !== undefined)
      throw new PortsError(`${other} and ${name} cannot both have port ${port}: ${usage}`);
    seen.set(port, name);
    ports[name] = port;
  });
  return ports;
}
