// `normscope inspect`: placeholder until the analyzer lands (issue 2).
export async function runInspect(_args: string[]): Promise<number> {
  process.stderr.write('normscope inspect: the analyzer is not built yet\n');
  return 1;
}
