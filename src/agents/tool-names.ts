/**
 * OpenAI-compatible APIs only accept tool names matching `^[a-zA-Z0-9_-]{1,64}$`, while hookflow tools
 * are dotted (`math.calc`). Sessions speak wire names to providers and map answers back.
 */
import { ErrorCode, HookflowError } from '../errors.js';

const WIRE_MAX = 64;

/** The wire name of a tool: every character outside `[A-Za-z0-9_-]` becomes `_` (`math.calc` -> `math_calc`). */
export function toWireName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** A two-way map between dotted tool names and wire names for one session. */
export class ToolNameMap {
  private readonly toWireMap = new Map<string, string>();
  private readonly fromWireMap = new Map<string, string>();

  /** Throws VALIDATION when two names map to the same wire name or a wire name is too long. */
  constructor(names: readonly string[], agent: string) {
    for (const name of names) {
      if (this.toWireMap.has(name)) continue;
      const wire = toWireName(name);
      const other = this.fromWireMap.get(wire);
      if (other !== undefined) {
        throw new HookflowError(
          ErrorCode.VALIDATION,
          `agent "${agent}": tools "${other}" and "${name}" both become "${wire}" on the wire (dots and other ` +
            `characters outside [A-Za-z0-9_-] turn into "_"); remove one of them from the agent's tools`,
          { retryable: false, details: { tools: [other, name], wire } },
        );
      }
      if (wire.length === 0 || wire.length > WIRE_MAX) {
        throw new HookflowError(
          ErrorCode.VALIDATION,
          `agent "${agent}": tool name "${name}" must be 1 to ${WIRE_MAX} characters long to be offered to a model, found ${wire.length}`,
          { retryable: false },
        );
      }
      this.toWireMap.set(name, wire);
      this.fromWireMap.set(wire, name);
    }
  }

  /** Wire name of an allowed tool, or undefined. */
  toWire(name: string): string | undefined {
    return this.toWireMap.get(name);
  }

  /** Dotted name of a wire name the model used, or undefined when the tool is not allowed. */
  fromWire(wire: string): string | undefined {
    return this.fromWireMap.get(wire);
  }

  /** Dotted names of the allowed tools, in declaration order. */
  get names(): string[] {
    return [...this.toWireMap.keys()];
  }
}
