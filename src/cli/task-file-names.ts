/** The names a task file is found by, in order, in the working directory or a parent. */
export const TASK_FILE_NAMES = ['parproc.ts', 'parproc.mts', 'parproc.js', 'parproc.mjs'];
