// `normscope probe`: placeholder until the probe engine lands (issue 3).
export async function runProbe(_args: string[]): Promise<number> {
  process.stderr.write('normscope probe: the probe engine is not built yet\n');
  return 1;
}
