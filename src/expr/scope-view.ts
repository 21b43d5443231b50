/**
 * Read-only views that let JSONata see inherited scope properties.
 *
 * The engine builds nested scopes cheaply with prototype chains (`Object.create(parent.scope)` for a
 * loop body, `Object.create(parent.steps)` per iteration). JSONata only reads *own* properties
 * (`hasOwnProperty` guards its lookups), so inherited names such as `input` or `steps.fetch` would be
 * invisible. A view is a Proxy that reports inherited enumerable data properties as own ones; it is
 * created lazily, only for objects whose prototype chain consists of plain data objects (class
 * instances, arrays and ordinary objects are passed through untouched), and cached per object.
 */

const views = new WeakMap<object, object>();
const viewSet = new WeakSet<object>();
const MAX_CHAIN = 64;

/** True when `o` inherits from plain data objects (not from a class prototype). */
function isDataChain(o: object): boolean {
  let p: object | null = Object.getPrototypeOf(o) as object | null;
  if (p === Object.prototype || p === null) return false;
  for (let i = 0; p !== null && p !== Object.prototype; i++) {
    // A class prototype owns a `constructor` function; a data object may own a plain `constructor` key.
    if (i > MAX_CHAIN || Array.isArray(p) || typeof p === 'function' || typeof Object.getOwnPropertyDescriptor(p, 'constructor')?.value === 'function') return false;
    p = Object.getPrototypeOf(p) as object | null;
  }
  return true;
}

const handler: ProxyHandler<object> = {
  get(target, key) {
    const v: unknown = Reflect.get(target, key);
    return typeof key === 'string' ? scopeView(v) : v;
  },
  has(target, key) {
    return key in target;
  },
  ownKeys(target) {
    const keys = new Set<string | symbol>(Reflect.ownKeys(target));
    for (const k in target) keys.add(k);
    return [...keys];
  },
  getOwnPropertyDescriptor(target, key) {
    const own = Reflect.getOwnPropertyDescriptor(target, key);
    if (own) return own.configurable && 'value' in own && typeof key === 'string' ? { ...own, value: scopeView(own.value) } : own;
    if (typeof key !== 'string' || !(key in target)) return undefined;
    const inherited: unknown = Reflect.get(target, key);
    if (typeof inherited === 'function') return undefined;
    return { value: scopeView(inherited), writable: false, enumerable: isEnumerableInChain(target, key), configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  setPrototypeOf: () => false,
};

function isEnumerableInChain(target: object, key: string): boolean {
  for (let p: object | null = target; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d) return d.enumerable === true;
  }
  return false;
}

/** Returns a read-only view of `v` when it inherits data, else `v` itself. */
export function scopeView<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  const cached = views.get(v);
  if (cached) return cached as T;
  if (Array.isArray(v) || viewSet.has(v) || !isDataChain(v)) return v;
  const view = new Proxy(v, handler);
  views.set(v, view);
  viewSet.add(view);
  return view as T;
}

/** True for objects made by {@link scopeView}; results must not leak them (they are copied). */
export function isScopeView(v: object): boolean {
  return viewSet.has(v);
}
