// Loads the real addon (@nsinit/native's loadNative()) without making the testkit depend on it
// being built: unit tests that only use the recording fake must import the testkit on a machine
// where the addon is missing. The load error is kept and reported when the addon is needed.
import type { NativeBindings } from '@nsinit/native';
import { TestkitError } from './errors.js';

type NativeModule = { loadNative?: () => NativeBindings; native?: NativeBindings };

let mod: NativeModule | null = null;
let loadError: unknown = null;
try {
  mod = (await import('@nsinit/native')) as unknown as NativeModule;
} catch (err) {
  loadError = err;
}

let loaded: NativeBindings | null = null;

function load(): NativeBindings | null {
  if (loaded || !mod) return loaded;
  try {
    loaded = mod.loadNative ? mod.loadNative() : (mod.native ?? null);
    if (!loaded) loadError = new Error("@nsinit/native exports neither 'loadNative' nor 'native'");
  } catch (err) {
    loadError = err;
  }
  return loaded;
}

/** The real bindings, or null when the addon is not built. */
export function tryNative(): NativeBindings | null {
  return load();
}

/** The real bindings; throws ERR_NSINIT_TEST_NO_NATIVE naming why they could not load. */
export function requireNative(what: string): NativeBindings {
  const native = load();
  if (native) return native;
  const reason = loadError instanceof Error ? loadError.message : String(loadError);
  throw new TestkitError(`${what} needs the native addon (@nsinit/native): ${reason}`, {
    code: 'ERR_NSINIT_TEST_NO_NATIVE',
    cause: loadError,
  });
}
