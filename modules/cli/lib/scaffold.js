// `kernel new`: a process module crate of its own, anywhere, from `modules/cli/template`.
//
// The crate depends on this checkout's SDK by path (the SDK is not published) and starts from
// the modules workspace's lock file, so it builds with the versions the standard modules build
// with.

import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** This checkout's `modules/` folder. */
export const modulesDir = path.resolve(cliDir, '..');
const templateDir = path.join(cliDir, 'template');

/** The flags `wasm-opt` shrinks every module with (`modules/wasm-opt.flags`, shared with the bundle's build). */
export function wasmOptFlags() {
  return readFileSync(path.join(modulesDir, 'wasm-opt.flags'), 'utf8')
    .split('\n')
    .map((line) => line.split('#')[0].trim())
    .filter(Boolean);
}

/**
 * Creates the crate `name` in `parent/name` (which must not exist) and returns its directory:
 * `Cargo.toml`, `.cargo/config.toml` (the Wasm target and stack size), `src/lib.rs` (a
 * counter to grow into your own module), `Cargo.lock` and `.gitignore`.
 */
export function newModule(name, parent = '.') {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(name)) {
    throw new Error(`a module crate name is lower-case letters, digits, '-' and '_', starting with a letter: got '${name}'`);
  }
  const dir = path.resolve(parent, name);
  if (existsSync(dir)) throw new Error(`${dir} exists already`);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  mkdirSync(path.join(dir, '.cargo'));
  const manifest = readFileSync(path.join(templateDir, 'Cargo.toml.template'), 'utf8')
    .replaceAll('__NAME__', name)
    // TOML basic strings take forward slashes on every platform.
    .replaceAll('__SDK__', path.join(modulesDir, 'sdk').split(path.sep).join('/'));
  writeFileSync(path.join(dir, 'Cargo.toml'), manifest);
  copyFileSync(path.join(templateDir, '.cargo', 'config.toml'), path.join(dir, '.cargo', 'config.toml'));
  copyFileSync(path.join(templateDir, 'src', 'lib.rs'), path.join(dir, 'src', 'lib.rs'));
  copyFileSync(path.join(templateDir, 'gitignore.template'), path.join(dir, '.gitignore'));
  copyFileSync(path.join(modulesDir, 'Cargo.lock'), path.join(dir, 'Cargo.lock'));
  return dir;
}
