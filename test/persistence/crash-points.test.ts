/**
 * Every crash point of every fixture workflow, in process: for each tool execution N of an uninterrupted
 * run, a crash image is taken just before and just after its work (see support.ts), resumed by a fresh
 * engine, and checked against the uninterrupted run (same result, exactly the same executions, completed
 * steps never again, only in-flight ones twice). The SIGKILL suite (crash.test.ts) covers the same
 * workflows through the real CLI at random points; this one covers all tool boundaries deterministically.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../../src/index.js';
import { FIXTURES, TOOLS } from './cli-harness.js';
import { checkInvariants, crashAndResume, Lab } from './support.js';

const WORKFLOWS = ['sequence', 'parallel', 'loops', 'hooks', 'subflow', 'mixed'] as const;

let lab: Lab;
let counting: ToolDefinition[];
const saved = { file: process.env.HOOKFLOW_COUNT_FILE, sleep: process.env.HOOKFLOW_COUNT_SLEEP_MS };

beforeAll(async () => {
  lab = new Lab();
  // The counting tools log to a file only when told to, and sleep only to give the SIGKILL suite room.
  delete process.env.HOOKFLOW_COUNT_FILE;
  process.env.HOOKFLOW_COUNT_SLEEP_MS = '0';
  counting = ((await import(TOOLS)) as { default: ToolDefinition[] }).default;
});

afterAll(() => {
  lab.dispose();
  if (saved.file === undefined) delete process.env.HOOKFLOW_COUNT_FILE;
  else process.env.HOOKFLOW_COUNT_FILE = saved.file;
  if (saved.sleep === undefined) delete process.env.HOOKFLOW_COUNT_SLEEP_MS;
  else process.env.HOOKFLOW_COUNT_SLEEP_MS = saved.sleep;
});

describe('resume from every tool boundary', () => {
  for (const name of WORKFLOWS) {
    it(`${name}.yaml`, async () => {
      const file = join(FIXTURES, `${name}.yaml`);
      let images = 0;
      for (let at = 1; ; at++) {
        let reached = true;
        for (const phase of ['start', 'end'] as const) {
          const o = await crashAndResume(lab, { file, at, phase, tools: () => counting });
          if (!o.imagedAt) {
            reached = false;
            break;
          }
          images++;
          expect(o.reference.status).toBe('completed');
          expect(checkInvariants(o), `${name}: image at execution ${at} (${phase})`).toEqual([]);
        }
        if (!reached) break;
      }
      expect(images).toBeGreaterThan(10);
    }, 60_000);
  }
});
