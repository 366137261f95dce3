import { scanDataset } from "./dist/src/scan/dataset/index.js";
const t0 = performance.now(); let last = 0; const marks = [];
const c0 = process.cpuUsage();
const s = await scanDataset({ path: process.argv[2], labelField: "label", workers: process.argv[3] ? Number(process.argv[3]) : undefined, onProgress: (pass) => { if (pass !== last) { marks.push([pass, ((performance.now() - t0) / 1000).toFixed(2)]); last = pass; } } }, () => {});
const u = process.cpuUsage(c0);
console.log(marks.map(([p, t]) => `pass ${p} from ${t}s`).join(", "), "end", ((performance.now() - t0) / 1000).toFixed(2), "cpu", ((u.user + u.system) / 1e6).toFixed(1), "rows", s.rows, "flagged", s.flagged);
