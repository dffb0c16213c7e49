// Runs the supervisor's ChildGroup with one slow-to-stop child and stops it, as `npm start` does on Ctrl-C.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildGroup } from '../../scripts/supervisor/childGroup.mjs';

const dir = mkdtempSync(join(tmpdir(), 'm2m-slow-stop-'));
const readyFile = join(dir, 'ready');

const group = new ChildGroup(() => process.exit(3));
group.launch('gateway', new URL('./slowStopChild.mjs', import.meta.url).pathname, [], { ...process.env, READY_FILE: readyFile });
while (!existsSync(readyFile)) await new Promise((resolve) => setTimeout(resolve, 20));
rmSync(dir, { recursive: true, force: true });
const unclean = await group.stopInReverse(30_000, undefined);
if (unclean.length > 0) process.stderr.write(`unclean: ${unclean.join(", ")}\n`);
process.exit(unclean.length === 0 ? 0 : 1);
