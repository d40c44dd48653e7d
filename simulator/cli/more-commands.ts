/**
 * The commands beyond the simulation ones (serve, lab, interop, toxiproxy, k6, live). main.ts loads
 * this module only when the command line asks for one of them (or for the list of commands): they
 * bring the live machinery (X.509, Toxiproxy, child processes, HTTP servers), which `meshdojo run`
 * does not need and would otherwise load at every start.
 */
import type { Command } from 'commander';
import { serveCommand } from './serve.ts';
import { labCommand } from './lab.ts';
import { registerInterop } from './interop.ts';
import { registerToxiproxyCommand } from '../live/toxiproxy/command.ts';
import { registerK6Command } from '../live/k6/command.ts';
import { registerLive, type LiveHelpers } from './live.ts';

export function registerMoreCommands(
  program: Command,
  setExit: (code: number) => void,
  helpers: LiveHelpers,
): void {
  program
    .command('serve')
    .description('build the web UI and serve it on 127.0.0.1 (the simulator runs in the browser)')
    .option('--port <n>', 'port (default 5173; 0 picks a free one)')
    .action(async (opts: { port?: string }) => setExit(await serveCommand(opts)));
  program.addCommand(labCommand(setExit));
  registerInterop(program, setExit);
  registerToxiproxyCommand(program);
  registerK6Command(program, setExit);
  registerLive(program, setExit, helpers);
}
