/**
 * ajv and ajv-formats, loaded on first use. They are CommonJS and take ~130 ms to import, which is
 * most of `hookflow run`'s start-up when a workflow never validates a JSON Schema; `createRequire`
 * loads them synchronously at the first call instead of at start-up.
 */
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class, Options } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);

type Ajv2020Ctor = new (opts?: Options) => Ajv2020Class;
type AddFormats = (ajv: Ajv2020Class) => Ajv2020Class;

let loaded: { Ajv2020: Ajv2020Ctor; addFormats: AddFormats } | undefined;

function load(): { Ajv2020: Ajv2020Ctor; addFormats: AddFormats } {
  if (!loaded) {
    const ajvModule = require('ajv/dist/2020.js') as { Ajv2020: Ajv2020Ctor };
    const formats = require('ajv-formats') as { default: AddFormats };
    loaded = { Ajv2020: ajvModule.Ajv2020, addFormats: formats.default };
  }
  return loaded;
}

/** A new draft 2020-12 ajv instance with the standard formats (`email`, `uri`, `date-time`, ...). */
export function newAjv(opts: Options): Ajv2020Class {
  const { Ajv2020, addFormats } = load();
  const ajv = new Ajv2020(opts);
  addFormats(ajv);
  return ajv;
}

export type { Ajv2020Class };
