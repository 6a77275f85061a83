/**
 * Runs one attack in a process of its own, so that an attacker writing as fast
 * as it can does not starve the good players' event loop in the process that
 * measures them (as it would from another machine). Usage, by run-attack.ts:
 * `node --import tsx attack-process.ts <attack> <options as JSON>`; the result
 * is the last line of stdout, as JSON.
 */
import { ATTACKS, type AttackName } from "./attacks.ts";

const [name, json] = process.argv.slice(2);
const attack = ATTACKS[name as AttackName];
if (!attack || json === undefined) {
  console.error(`usage: attack-process.ts <${Object.keys(ATTACKS).join("|")}> <options as JSON>`);
  process.exit(2);
}
const result = await attack(JSON.parse(json));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
