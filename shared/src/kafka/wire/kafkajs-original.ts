// For the tests that pin the fast paths to kafkajs's own bytes and fields.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';

/**
 * A kafkajs module as its file has it, compiled afresh: the module cache may hold a fast path under
 * its path (what it requires still comes from the cache).
 */
export function kafkajsOriginal<T>(path: string): T {
  const m = new Module(path) as Module & { _compile(source: string, filename: string): void };
  m.filename = path;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(path));
  m._compile(readFileSync(path, 'utf8'), path);
  return m.exports as T;
}
