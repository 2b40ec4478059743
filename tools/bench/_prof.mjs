import { timeFile } from '/work/wt/fast/tools/bench/file-run.mjs';
import { internvlRealistic, llavaRealistic, withBaselineTensors } from '/work/wt/fast/tools/bench/scene.mjs';
import { writeTokenFile } from '/work/wt/fast/tools/bench/token-file.mjs';
const method = process.argv[2] ?? 'visionzip';
const reps = Number(process.argv[3] ?? 20);
const f = writeTokenFile('prof-internvl', withBaselineTensors(internvlRealistic()));
const t = await timeFile(f.path, method, 333, {}, reps, 2);
console.log(method, 'median', t.median.toFixed(1), 'runs', t.ms.map((x) => x.toFixed(1)).join(' '));
console.log(JSON.stringify(t.result.timings));
