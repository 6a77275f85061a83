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
import { Hud } from "./ui/hud.ts";
import { parseMode, rememberedName, runLobby, type LobbyResult } from "./ui/lobby.ts";
import { UPLOAD_PREFIX, imageUrl } from "./images.ts";
import { loadRoomPicture } from "./net/picture.ts";
import { installTestHook } from "./test-hook.ts";

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

/** Resolves when the store has its first welcome, or rejects with the reason the room refused. */
function welcomed(store: PuzzleStore): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (store.view) {
        unsubscribe();
        resolve();
      } else if (store.notices.fatal) {
        unsubscribe();
        reject(new Error(store.notices.fatal));
      }
    };
    const unsubscribe = store.subscribe(check);
    check();
  });
}

async function play(choice: LobbyResult): Promise<void> {
  const url = new URL(location.href);
  url.search = new URLSearchParams({ room: choice.room, mode: choice.mode }).toString();
  history.replaceState(null, "", url);

  const connection = new Connection({ host: location.host, room: choice.room, mode: choice.mode, name: choice.name, create: choice.create });
  const store = new PuzzleStore(connection, browserClock);
  connection.connect();
  let scene: PuzzleScene | null = null;
  installTestHook(choice.room, store, () => scene, () => ({ invalidFrames: connection.invalidFrames }));
  try {
    await welcomed(store);
  } catch (error) {
    connection.close();
    url.search = "";
    history.replaceState(null, "", url);
    return start((error as Error).message);
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

  const game = new Phaser.Game({
    // Canvas: in software-rendered browsers (headless CI, old laptops) WebGL ran at
    // 2 fps on this project's 1,000-piece tables where the canvas renderer holds 60.
    type: Phaser.CANVAS,
    parent: "game",
    backgroundColor: "#1c2b23",
    scale: { mode: Phaser.Scale.RESIZE, width: window.innerWidth, height: window.innerHeight },
    input: { activePointers: 3, mouse: { preventDefaultWheel: true } },
    disableContextMenu: true,
    banner: false,
    scene: [],
  });
  const sceneInstance = new PuzzleScene();
  game.scene.add(SCENE_KEY, sceneInstance, true, { store, image, imageWidth: spec.imageWidth, imageHeight: spec.imageHeight });
  game.events.once(Phaser.Core.Events.POST_STEP, () => (scene = sceneInstance));

  new Hud(store, {
    fit: () => sceneInstance.fitToScreen(),
    zoom: (factor) => sceneInstance.zoomBy(factor),
    pan: (dx, dy) => sceneInstance.panBy(dx, dy),
    toggleGhost: () => {
      sceneInstance.setGhostVisible(!sceneInstance.ghostVisible());
      return sceneInstance.ghostVisible();
    },
    tidy: (kind) => void store.tidy(kind),
    showLostMove: (mark) => sceneInstance.showLostMove(mark),
  }, url.toString());
  pollAuthority(choice.mode, choice.room, {
    now: () => browserClock.now(),
    wanted: () => store.status === "open",
    check: (snapshot, fetchStartedAtMs) => store.checkIntegrity(snapshot, fetchStartedAtMs),
  });
}

async function start(error?: string): Promise<void> {
  const params = new URLSearchParams(location.search);
  const room = params.get("room");
  const mode = parseMode(params.get("mode")) ?? "stateful";
  const name = rememberedName();
  // A reload (or reconnect in the same tab) goes straight back to the table as the same player.
  if (!error && room && name && hasSessionToken(mode, room)) return play({ room, mode, name });
  const choice = await runLobby(params, error);
  await play(choice);
}

void start();
