/**
 * Boot: lobby, then the connection, the store, the table scene and the HUD,
 * wired so that only the connection talks to the network and only the scene
 * draws the table: connection -> store -> scene and HUD.
 */
import Phaser from "phaser";
import { PuzzleStore } from "./store/puzzle-store.ts";
import type { Clock } from "./store/clock.ts";
import { Connection, hasSessionToken } from "./net/connection.ts";
import { pollAuthority } from "./net/http-api.ts";
import { PuzzleScene, SCENE_KEY } from "./scenes/puzzle-scene.ts";
import { keepSharp, sharpScaleConfig } from "./scenes/sharp-canvas.ts";
import { Hud } from "./ui/hud.ts";
import { HudLayout, measureHudBoxes } from "./ui/hud-layout.ts";
import { rememberedName, runLobby, type LobbyResult } from "./ui/lobby.ts";
import { passwordFragment, passwordFromFragment, readLobbyLink } from "./ui/lobby-link.ts";
import { HostMenu } from "./ui/host-menu.ts";
import { playerActions } from "./ui/player-actions.ts";
import { storedProgress, type StoredProgress } from "./ui/finish-gate.ts";
import { PicturePreview } from "./ui/picture-preview.ts";
import { Sound } from "./ui/sound.ts";
import { UPLOAD_PREFIX, imageUrl } from "./images.ts";
import { loadRoomPicture } from "./net/picture.ts";
import { installTestHook } from "./test-hook.ts";
import { offerReplay } from "./ui/replay-panel.ts";
import { ChatStore } from "./store/chat.ts";
import { ChatPanel } from "./ui/chat-panel.ts";

/** The browser's clock: the store's throttles, renewals and notices run on it, frames or not. */
const browserClock: Clock = {
  now: () => performance.now(),
  after: (delayMs, callback) => {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`The puzzle picture could not be loaded from ${url}.`));
    image.src = url;
  });
}

/** The built-in pictures are ours; an uploaded one is checked before it is decoded (net/picture.ts). */
function loadPicture(imageId: string, room: string): Promise<CanvasImageSource> {
  return imageId.startsWith(UPLOAD_PREFIX) ? loadRoomPicture(room) : loadImage(imageUrl(imageId, room));
}

/** A join the room refused; `askPassword` when it wants a private room's password. */
class RefusedJoin extends Error {
  constructor(
    message: string,
    readonly askPassword = false,
  ) {
    super(message);
  }
}

/** The refusals a password can answer (a wrong or missing one, or too many tries from here). */
const PASSWORD_REFUSALS: ReadonlySet<string> = new Set(["password-required", "wrong-password", "rate-limited"]);

/** Attempts to reach a room that end without a welcome before the page gives up and says so. */
const MAX_ATTEMPTS_BEFORE_WELCOME = 4;

/**
 * Resolves when the store has its first welcome, or rejects with a sentence:
 * the reason the room refused this player for good, a message of ours the room
 * refused before letting us in (a name or room id it will not take), or the
 * room not answering at all after a few attempts. Never "connecting" forever.
 */
function welcomed(store: PuzzleStore, connection: Connection): Promise<void> {
  return new Promise((resolve, reject) => {
    let failedAttempts = 0;
    let settled = false;
    const stops: Array<() => void> = [];
    const settle = (error?: string, askPassword = false) => {
      if (settled) return;
      settled = true;
      for (const stop of stops) stop();
      if (error === undefined) resolve();
      else reject(new RefusedJoin(error, askPassword));
    };
    const check = () => {
      if (store.view) settle();
      else if (store.notices.fatal) settle(store.notices.fatal);
    };
    stops.push(store.subscribe(check));
    stops.push(
      connection.onFrame((message) => {
        if (message.type === "error" && !store.view && !store.notices.fatal) settle(`The room did not let you in: ${message.message}`, PASSWORD_REFUSALS.has(message.code));
      }),
    );
    stops.push(
      connection.onStatus((status) => {
        if (status.state !== "reconnecting" || store.view) return;
        failedAttempts++;
        if (failedAttempts >= MAX_ATTEMPTS_BEFORE_WELCOME) settle(`The room did not answer after ${failedAttempts} attempts. Check the link, or create a new room.`);
      }),
    );
    check();
  });
}

async function play(choice: LobbyResult): Promise<void> {
  const url = new URL(location.href);
  url.search = new URLSearchParams({ room: choice.room, mode: choice.mode, ...(choice.watch ? { watch: "1" } : {}) }).toString();
  // The invite link carries a private room's password in its fragment, which no server sees.
  url.hash = choice.password ? passwordFragment(choice.password) : "";
  history.replaceState(null, "", url);

  const connection = new Connection({ host: location.host, room: choice.room, mode: choice.mode, name: choice.name, create: choice.create, listed: choice.listed, watch: choice.watch, password: choice.password });
  const store = new PuzzleStore(connection, browserClock);
  const chat = new ChatStore(connection, browserClock, localStorage, choice.room);
  // The host restarted the room with a new picture: loading the page again resumes this player on it.
  connection.onStatus((status) => {
    if (status.refusal?.code === "restarted") location.reload();
  });
  connection.connect();
  let scene: PuzzleScene | null = null;
  const layout = new HudLayout();
  const sound = new Sound();
  installTestHook(choice.room, store, () => scene, () => ({ invalidFrames: connection.invalidFrames }), {
    hudBoxes: () => measureHudBoxes(),
    sound: () => ({ enabled: sound.enabled, ...sound.played }),
    chat,
  });
  try {
    await welcomed(store, connection);
  } catch (error) {
    connection.close();
    url.search = "";
    url.hash = "";
    history.replaceState(null, "", url);
    return start((error as Error).message, error instanceof RefusedJoin && error.askPassword, choice);
  }
  const spec = store.view!.spec;
  let image: CanvasImageSource;
  try {
    image = await loadPicture(spec.imageId, choice.room);
  } catch (error) {
    // A picture that cannot be shown: back to the lobby, which says why.
    connection.close();
    url.search = "";
    history.replaceState(null, "", url);
    return start((error as Error).message);
  }

  const parent = document.getElementById("game")!;
  // An opaque, desynchronized canvas: the browser need not blend it with the
  // page, nor copy all of it for the compositor each frame. At a pixel ratio of
  // 2 that copy alone was as much main-thread time as drawing what changed.
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { alpha: false, desynchronized: true });
  if (!context) throw new Error("this browser cannot draw on a 2D canvas");
  const game = new Phaser.Game({
    canvas,
    context,
    // Canvas: in software-rendered browsers (headless CI, old laptops) WebGL ran at
    // 2 fps on this project's 1,000-piece tables where the canvas renderer holds 60.
    type: Phaser.CANVAS,
    parent,
    // The scene draws the room around the table itself, and only what changed (puzzle-scene.ts).
    clearBeforeRender: false,
    scale: sharpScaleConfig(parent),
    input: { activePointers: 3, mouse: { preventDefaultWheel: true } },
    disableContextMenu: true,
    banner: false,
    scene: [],
  });
  keepSharp(game, parent);
  let stored: StoredProgress | null = null;
  // The HUD comes first: its boxes must be laid out before the scene fits its first view around them.
  const sceneInstance = new PuzzleScene();
  const actions = playerActions(store, (x, y) => sceneInstance.centerOnTable(x, y));
  new Hud(
    store,
    {
      fit: () => sceneInstance.fitToScreen(),
      zoom: (factor) => sceneInstance.zoomBy(factor),
      pan: (dx, dy) => sceneInstance.panBy(dx, dy),
      toggleGhost: () => {
        sceneInstance.setGhostVisible(!sceneInstance.ghostVisible());
        return sceneInstance.ghostVisible();
      },
      tidy: (kind) => void store.tidy(kind),
      showLostMove: (mark) => sceneInstance.showLostMove(mark),
    },
    url.toString(),
    { layout, preview: new PicturePreview(image, spec.imageWidth, spec.imageHeight), sound, stored: () => stored, playerActions: actions },
  );
  new ChatPanel(chat, () => layout.invalidate(), { get isHost() { return store.isHost; }, subscribe: (listener) => store.subscribe(listener), ban: (watcherId, name) => actions.ban(watcherId, name) });
  new HostMenu(store, () => layout.invalidate());
  game.scene.add(SCENE_KEY, sceneInstance, true, {
    chat,
    store,
    image,
    imageWidth: spec.imageWidth,
    imageHeight: spec.imageHeight,
    hudBoxes: () => layout.current(),
    onSnap: () => sound.click(),
  });
  game.events.once(Phaser.Core.Events.POST_STEP, () => (scene = sceneInstance));
  // Only the stateful room keeps an action log to replay.
  if (choice.mode === "stateful") offerReplay(choice.room);
  pollAuthority(choice.mode, choice.room, {
    now: () => browserClock.now(),
    wanted: () => store.status === "open",
    check: (snapshot, fetchStartedAtMs) => {
      // Kept before the check, whose change notice makes the HUD read it.
      stored = storedProgress(snapshot);
      store.checkIntegrity(snapshot, fetchStartedAtMs);
    },
  });
}

/** `refusedChoice`: the join the room just refused, whose link the lobby shows again (to ask for a password). */
async function start(error?: string, askPassword = false, refusedChoice?: LobbyResult): Promise<void> {
  const params = refusedChoice && askPassword ? new URLSearchParams({ room: refusedChoice.room, mode: refusedChoice.mode, ...(refusedChoice.watch ? { watch: "1" } : {}) }) : new URLSearchParams(location.search);
  const { room, mode, watch } = readLobbyLink(params);
  // The replay viewer, loaded only when asked for: it plays the room's log, not the live game.
  if (room && params.get("replay") === "1") {
    const { openReplay } = await import("./replay/replay-view.ts");
    return openReplay(room, `?${new URLSearchParams({ room, mode: "stateful" }).toString()}`);
  }
  const name = rememberedName();
  const linkPassword = passwordFromFragment(location.hash) ?? undefined;
  // A reload (or reconnect in the same tab) goes straight back to the table as the same player.
  if (!error && room && mode && name && hasSessionToken(mode, room)) return play({ room, mode, name, watch, password: linkPassword });
  const choice = await runLobby(params, error, askPassword);
  // A joiner brings the link's password unless the room asked for another; a creator sets its own.
  await play({ ...choice, password: choice.password ?? (choice.create ? undefined : linkPassword) });
}

void start();
