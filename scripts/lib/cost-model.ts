/**
 * Monthly cost per architecture from measured per-action figures and editable
 * prices. Pure and self-contained: the report bundles this file into the page
 * so the estimate recomputes live as a reader edits a price.
 */

/** What the load runs measured, per acknowledged action. */
export interface MeasuredInputs {
  /** Server CPU time per action in the stateful room (us). */
  statefulCpuUs: number;
  /** Server CPU per action of the stateless path: functions, store and hub together (us). */
  statelessCpuUs: number;
  /** Wall time a stateless function is busy per action, store round trips included (ms). */
  statelessFunctionMs: number;
  /** Bytes sent to players per action (fan-out), by architecture. */
  statefulEgressBytes: number;
  statelessEgressBytes: number;
  /** Bytes read from plus written to the store per action. */
  storeBytes: number;
  /** Store operations (reads + writes) per action, retries included. */
  storeOpsPerAction: number;
  /**
   * The same operations in DynamoDB's request units, which go by size: a read
   * one unit per 4 KB of the item (strongly consistent), a write one unit per
   * 1 KB. Whole-document reads and writes make these grow with the document.
   */
  storeReadUnitsPerAction: number;
  storeWriteUnitsPerAction: number;
  /** WebSocket frames the server sends per action (all players together). */
  framesPerAction: number;
}

/** What the reader chooses: traffic and prices (all editable in the page). */
export interface PriceInputs {
  concurrentPlayers: number;
  actionsPerPlayerPerS: number;
  playersPerRoom: number;
  /** Share of the month the game has that many players (e.g. 0.25 = 6 h a day). */
  activeShare: number;
  // Centralised VM
  vmMonthlyUsd: number;
  vmCores: number;
  /** Target CPU utilisation per core, headroom for bursts. */
  vmUtilisation: number;
  egressUsdPerGb: number;
  // Stateless container FaaS + store
  faasUsdPerMillionRequests: number;
  faasUsdPerGbS: number;
  faasMemoryGb: number;
  storeUsdPerMillionReadUnits: number;
  storeUsdPerMillionWriteUnits: number;
  storeTransferUsdPerGb: number;
  pushUsdPerMillionMessages: number;
  // Edge isolate with a stateful room (Durable Object)
  edgeUsdPerMillionRequests: number;
  /** Incoming WebSocket messages billed as one request per this many. */
  edgeMessagesPerRequest: number;
  edgeUsdPerMillionGbS: number;
  edgeRoomMemoryGb: number;
  edgeEgressUsdPerGb: number;
}

export interface CostLine {
  label: string;
  usd: number;
  detail: string;
}

export interface ArchitectureCost {
  name: string;
  lines: CostLine[];
  totalUsd: number;
}

export const SECONDS_PER_MONTH = 30 * 24 * 3600;

export function monthlyCosts(measured: MeasuredInputs, prices: PriceInputs): ArchitectureCost[] {
  const activeSeconds = SECONDS_PER_MONTH * prices.activeShare;
  const actionsPerS = prices.concurrentPlayers * prices.actionsPerPlayerPerS;
  const actions = actionsPerS * activeSeconds;
  const millions = actions / 1e6;
  const gb = (bytesPerAction: number) => (bytesPerAction * actions) / 1e9;
  const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits });
  const total = (name: string, lines: CostLine[]): ArchitectureCost => ({ name, lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) });

  // A VM is paid for the whole month, sized for the peak.
  const coresNeeded = (actionsPerS * measured.statefulCpuUs) / 1e6 / prices.vmUtilisation;
  const vms = Math.max(1, Math.ceil(coresNeeded / prices.vmCores));
  const vm = total("Centralised VM (stateful rooms in one process)", [
    { label: "VMs", usd: vms * prices.vmMonthlyUsd, detail: `${fmt(coresNeeded, 2)} cores at ${fmt(measured.statefulCpuUs, 1)} us/action -> ${vms} VM(s)` },
    { label: "Egress", usd: gb(measured.statefulEgressBytes) * prices.egressUsdPerGb, detail: `${fmt(gb(measured.statefulEgressBytes))} GB at ${fmt(measured.statefulEgressBytes)} B/action` },
  ]);

  const gbSeconds = actions * (measured.statelessFunctionMs / 1000) * prices.faasMemoryGb;
  const faas = total("Stateless container FaaS + central store", [
    { label: "Invocations", usd: millions * prices.faasUsdPerMillionRequests, detail: `${fmt(millions, 1)} M requests` },
    { label: "Function time", usd: gbSeconds * prices.faasUsdPerGbS, detail: `${fmt(gbSeconds)} GB-s at ${fmt(measured.statelessFunctionMs)} ms/action` },
    { label: "Store reads", usd: millions * measured.storeReadUnitsPerAction * prices.storeUsdPerMillionReadUnits, detail: `${fmt(measured.storeReadUnitsPerAction, 1)} read units/action (4 KB each)` },
    { label: "Store writes", usd: millions * measured.storeWriteUnitsPerAction * prices.storeUsdPerMillionWriteUnits, detail: `${fmt(measured.storeWriteUnitsPerAction, 1)} write units/action (1 KB each)` },
    { label: "Store transfer", usd: gb(measured.storeBytes) * prices.storeTransferUsdPerGb, detail: `${fmt(gb(measured.storeBytes))} GB at ${fmt(measured.storeBytes)} B/action` },
    { label: "WebSocket push", usd: millions * measured.framesPerAction * prices.pushUsdPerMillionMessages, detail: `${fmt(measured.framesPerAction, 1)} frames/action` },
    { label: "Egress", usd: gb(measured.statelessEgressBytes) * prices.egressUsdPerGb, detail: `${fmt(gb(measured.statelessEgressBytes))} GB` },
  ]);

  // A room object is billed for wall time while players are connected, not per CPU.
  const rooms = Math.ceil(prices.concurrentPlayers / prices.playersPerRoom);
  const roomGbS = rooms * activeSeconds * prices.edgeRoomMemoryGb;
  const requests = millions / prices.edgeMessagesPerRequest;
  const edge = total("Edge isolate with a stateful room", [
    { label: "Requests", usd: requests * prices.edgeUsdPerMillionRequests, detail: `${fmt(requests, 2)} M billed requests (${prices.edgeMessagesPerRequest} messages each)` },
    { label: "Room duration", usd: (roomGbS / 1e6) * prices.edgeUsdPerMillionGbS, detail: `${rooms} rooms, ${fmt(roomGbS)} GB-s` },
    { label: "Egress", usd: gb(measured.statefulEgressBytes) * prices.edgeEgressUsdPerGb, detail: `${fmt(gb(measured.statefulEgressBytes))} GB` },
  ]);
  return [vm, faas, edge];
}

/**
 * Starting prices for the inputs: public list prices where PRICE_SOURCES names
 * them, there to be edited. The measured inputs come from the runs, never from here.
 */
export const DEFAULT_PRICES: PriceInputs = {
  concurrentPlayers: 2_000,
  actionsPerPlayerPerS: 10,
  playersPerRoom: 8,
  activeShare: 0.25,
  vmMonthlyUsd: 60,
  vmCores: 2,
  vmUtilisation: 0.5,
  egressUsdPerGb: 0.09,
  faasUsdPerMillionRequests: 0.2,
  faasUsdPerGbS: 0.0000166667,
  faasMemoryGb: 0.5,
  storeUsdPerMillionReadUnits: 0.25,
  storeUsdPerMillionWriteUnits: 1.25,
  storeTransferUsdPerGb: 0.02,
  pushUsdPerMillionMessages: 1,
  edgeUsdPerMillionRequests: 0.15,
  edgeMessagesPerRequest: 20,
  edgeUsdPerMillionGbS: 12.5,
  edgeRoomMemoryGb: 0.128,
  edgeEgressUsdPerGb: 0,
};

/** Where a default price comes from, and how sure it is. */
export interface PriceSource {
  keys: ReadonlyArray<keyof PriceInputs>;
  what: string;
  url: string;
  /** When the page says it was updated, or when it was read here (stored copies; no internet on this machine). */
  dated: string;
  /** false: the figure could not be checked on the vendor's own page here. */
  checked: boolean;
}

/** The published prices the defaults take, named and dated (read from stored copies on 2026-12-01). */
export const PRICE_SOURCES: readonly PriceSource[] = [
  { keys: ["edgeUsdPerMillionRequests", "edgeUsdPerMillionGbS"], what: "Durable Objects, paid plan: requests $0.15 per million (1 M included), duration $12.50 per million GB-s (400,000 GB-s included)", url: "https://developers.cloudflare.com/durable-objects/platform/pricing", dated: "page undated, read 2026-12-01", checked: true },
  { keys: ["edgeMessagesPerRequest"], what: "Durable Objects bill incoming WebSocket messages 20:1 (1 M received messages = 50,000 requests)", url: "https://developers.cloudflare.com/durable-objects/platform/changelog/", dated: "changelog entry 2024-04-01", checked: true },
  { keys: ["edgeRoomMemoryGb"], what: "Durable Objects duration is billed at 128 MB per object (the pricing page's examples)", url: "https://developers.cloudflare.com/durable-objects/platform/pricing", dated: "page undated, read 2026-12-01", checked: true },
  { keys: ["faasUsdPerMillionRequests", "faasUsdPerGbS"], what: "AWS Lambda, x86, us-east-1: $0.20 per million requests, $0.0000166667 per GB-s (first 6 billion GB-s a month)", url: "https://aws.amazon.com/lambda/pricing/", dated: "figures from secondary copies (cloudchipr.com/blog/aws-lambda-pricing, 2024); AWS's own page here showed no figures", checked: false },
  { keys: ["storeUsdPerMillionReadUnits", "storeUsdPerMillionWriteUnits"], what: "DynamoDB on-demand: a read unit per 4 KB (strongly consistent), a write unit per 1 KB; $0.25 per million read units, $1.25 per million write units (us-east-1)", url: "https://aws.amazon.com/dynamodb/pricing/on-demand/", dated: "unit sizes from AWS's page (read 2026-12-01); prices from secondary copies (zeonedge.com, infratally.com, 2025), which AWS may have cut since", checked: false },
];
