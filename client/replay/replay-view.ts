/**
 * The replay viewer's boot (`?room=<id>&replay=1`, or the finish panel's
 * *Watch the replay*): reads the room's action log page by page, feeds a
 * ReplayTimeline (a replica of its own, not the live store), and shows it with
 * the replay scene and the replay panel. A game still being played keeps
 * growing: the viewer asks for the log's new entries now and then.
 */
import Phaser from "phaser";
import { LogReader } from "../../shared/log-reader.ts";
import type { LogPage } from "../../shared/http.ts";
import { fetchLogPage } from "../net/log-api.ts";
import { imageUrl } from "../images.ts";
import { ReplayPanel, type ReplayPlayerInfo } from "../ui/replay-panel.ts";
import { ReplayPlayer } from "./replay-player.ts";
import { ReplayTimeline } from "./replay-timeline.ts";
import { REPLAY_SCENE_KEY, ReplayScene } from "./replay-scene.ts";
import { recordWebm, videoLengthMs, webmType } from "./video-export.ts";

/** How often an unfinished game's log is read again for what was played since. */
const LIVE_POLL_MS = 3_000;
/** The colour of a player the room no longer lists. */
const UNKNOWN_COLOUR = "#9aa5a0";

/** What the replay hook (`window.__replay`) shows end-to-end tests. */
export interface ReplayHook {
  ready: boolean;
  entries(): number;
  durationMs(): number;
  timeMs(): number;
  playing(): boolean;
  speed(): number;
  placed(): number;
  total(): number;
  completed(): boolean;
  pictureShown(): boolean;
  /** Pieces as the replay shows them now. */
  pieces(): Array<{ x: number; y: number; locked: boolean; rotation: number }>;
  placedBy(): Record<string, number>;
  /** Renders the whole video and resolves to its type and size (the download is not clicked). */
  exportVideo(lengthMs?: number): Promise<{ type: string; bytes: number }>;
}

declare global {
  interface Window {
    __replay?: ReplayHook;
  }
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error(`could not load the puzzle picture from ${url}`));
    image.src = url;
  });
}

/** Opens the replay of `room`; `gameLink` is where *Back to the game* goes. */
export async function openReplay(room: string, gameLink: string): Promise<void> {
  const panel = new ReplayPanel(gameLink);
  const reader = new LogReader();
  let last: LogPage;
  try {
    last = await fetchLogPage(room, undefined);
    reader.add(last);
    while (last.next !== null) {
      panel.reading(reader.next / Math.max(1, last.total));
      last = await fetchLogPage(room, reader.next);
      reader.add(last);
    }
  } catch (error) {
    panel.fail(`This game's replay cannot be shown: ${(error as Error).message}`);
    return;
  }
  const timeline = new ReplayTimeline(last.spec, reader.checkpoint, last.startedAtMs, reader.entries[0]);
  timeline.append(reader.entries);
  const player = new ReplayPlayer(timeline);
  player.live = last.completedAtMs === null;
  let players = last.players;
  const info = (): ReplayPlayerInfo[] => players.map(({ id, name, color }) => ({ id, name, color }));
  const colourOf = (id: string) => players.find((known) => known.id === id)?.color ?? UNKNOWN_COLOUR;
  const nameOf = (id: string) => players.find((known) => known.id === id)?.name ?? "someone who left";

  let image: HTMLImageElement;
  try {
    image = await loadImage(imageUrl(last.spec.imageId, room));
  } catch (error) {
    panel.fail((error as Error).message);
    return;
  }
  const game = new Phaser.Game({
    type: Phaser.CANVAS,
    parent: "game",
    backgroundColor: "#1c2b23",
    scale: { mode: Phaser.Scale.RESIZE, width: window.innerWidth, height: window.innerHeight },
    input: { activePointers: 3, mouse: { preventDefaultWheel: true } },
    disableContextMenu: true,
    banner: false,
    // The video needs the last frame drawn still in the canvas when the recorder grabs it.
    render: { preserveDrawingBuffer: true },
    scene: [],
  });
  const scene = new ReplayScene();
  game.scene.add(REPLAY_SCENE_KEY, scene, true, {
    player,
    image,
    imageWidth: last.spec.imageWidth,
    imageHeight: last.spec.imageHeight,
    colourOf,
    nameOf,
    coveredBottomPx: () => panel.coveredPx,
  });

  const note = reader.checkpoint ? "This room's log starts after the beginning of the game: what came before was folded into a checkpoint to keep its storage small." : null;
  let exporting = false;
  const exportVideo = async (lengthMs = videoLengthMs(timeline.durationMs, player.speed)): Promise<Blob> => {
    exporting = true;
    const wasPlaying = player.playing;
    player.pause();
    scene.setCaptionVisible(true);
    panel.exportProgress(0);
    try {
      return await recordWebm(game.canvas, lengthMs, {
        show: (share) => player.seek(share * timeline.durationMs),
        progress: (share) => panel.exportProgress(share),
      });
    } finally {
      scene.setCaptionVisible(false);
      panel.exportProgress(null);
      exporting = false;
      if (wasPlaying) player.play();
    }
  };
  panel.attach(
    player,
    info(),
    {
      exportVideo: () => {
        if (exporting) return;
        if (!webmType()) return panel.exportFailed("this browser cannot record WebM video");
        exportVideo().then(
          (video) => panel.offerDownload(URL.createObjectURL(video), `puzzle-${room}-replay.webm`, video.size),
          (error: unknown) => panel.exportFailed((error as Error).message),
        );
      },
      showPlacers: (visible) => scene.setPlacersVisible(visible),
    },
    note,
  );
  panel.setLive(player.live);
  game.events.once(Phaser.Core.Events.POST_STEP, () => {
    scene.fit();
    player.play();
  });

  if (player.live) {
    const poll = async () => {
      try {
        let page = await fetchLogPage(room, reader.next);
        timeline.append(reader.add(page));
        while (page.next !== null) {
          page = await fetchLogPage(room, reader.next);
          timeline.append(reader.add(page));
        }
        players = page.players;
        panel.setPlayers(info());
        player.live = page.completedAtMs === null;
        panel.setLive(player.live);
      } catch {
        // A poll that fails is tried again at the next; what was read stays.
      }
      if (player.live) setTimeout(() => void poll(), LIVE_POLL_MS);
    };
    setTimeout(() => void poll(), LIVE_POLL_MS);
  }

  window.__replay = {
    ready: true,
    entries: () => timeline.length,
    durationMs: () => timeline.durationMs,
    timeMs: () => player.time,
    playing: () => player.playing,
    speed: () => player.speed,
    placed: () => timeline.state.lockedPieces,
    total: () => timeline.state.pieces.length,
    completed: () => timeline.state.completedAtMs !== null,
    pictureShown: () => scene.pictureShown,
    pieces: () => timeline.state.pieces.map(({ x, y, locked, rotation }) => ({ x, y, locked, rotation })),
    placedBy: () => Object.fromEntries(players.map((known) => [known.id, timeline.placedBy(known.id)])),
    exportVideo: async (lengthMs) => {
      const video = await exportVideo(lengthMs);
      return { type: video.type, bytes: video.size };
    },
  };
}
