// A realistic pipeline: build and test every target in parallel, deploy each environment one at a
// time (a lock), and notify only when nothing failed. Targets: deploy::*, build::web, …
// Run: bun examples/build_deploy.ts   or   parproc -f examples/build_deploy.ts deploy::*
import { NO_FAILURES, proc, proto, run, waitForAll } from 'parproc';

const targets = ['web', 'api', 'worker'] as const;

proto('build::[target]', { description: 'compile one target', argChoices: { target: targets } }, async (ctx, { target }) => {
  await Bun.sleep(50);
  ctx.log(`built ${target}`);
  return `dist/${target}.js`;
});

proto('test::[target]', { description: 'test one target', deps: ['build::[target]'], argChoices: { target: targets } }, async (ctx, { target }) => {
  await Bun.sleep(30);
  return `${target}: ok`;
});

proto('deploy::[env]', {
  description: 'ship every target to an environment',
  argChoices: { env: ['staging', 'prod'] },
  deps: targets.map((t) => `test::${t}`),
  locks: ['deploy'],
  wave: 1,
}, async (ctx, { env }) => {
  await Bun.sleep(40);
  return `deployed ${targets.length} targets to ${env}`;
});

proc('notify', { description: 'tell the team', deps: ['deploy::staging', 'deploy::prod', NO_FAILURES], wave: 1 }, (ctx) =>
  `notified: ${ctx.results['deploy::prod']}`,
);

proc('default', { deps: ['notify'], wave: 1 }, () => 'pipeline done');

if (import.meta.main) {
  run('default');
  await waitForAll();
}
