import type { Hit } from "./hit.js";

/** Person names, street addresses and organisations (filled in by the gazetteer method). */
export function findEntities(_text: string, _out: Hit[], _kinds: ReadonlySet<string>): void {}
