/** Vite's client types: CSS imports (client/ui/replay-panel.css) and import.meta.env. */
/// <reference types="vite/client" />
