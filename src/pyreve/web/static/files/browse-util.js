// Small facts about listed files: capability bits, type icons, folder paths, thumbnails.
import { get } from "../core/api.js";
import { t } from "../core/i18n.js";
import { parseUri, buildUri } from "../core/uri.js";

// Navigator capability bits (file-uri.md §2).
export const CAP = { create: 0, rename: 1, upload: 6, download: 7, thumbnail: 10, enter: 23, modifyProps: 24 };

/** Test one bit of a capability boolset (standard base64, bit i of byte i/8). */
export function hasCapability(boolset, bit) {
  if (!boolset) return false;
  let bytes;
  try { bytes = atob(boolset); } catch { return false; }
  const byte = bytes.charCodeAt(bit >> 3);
  return Number.isFinite(byte) && (byte & (1 << (bit & 7))) !== 0;
}

export const isFolder = (file) => file.type === 1;

/** "My files/a/b" for a folder URI, as a person reads it. */
export function readableLocation(uri) {
  const p = parseUri(uri);
  if (!p) return uri;
  const root = { my: t("nav.myFiles"), trash: t("nav.trash"), shared_with_me: t("nav.sharedWithMe") }[p.fs] || p.fs;
  return [root, ...p.elements].join("/");
}

/** A saved share: opening it goes to the share. */
export const isShortcut = (file) => !!file.metadata?.["sys:shared_redirect"];

export function extensionOf(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

const TYPE_ICONS = [
  ["image", "jpg jpeg png gif bmp webp svg heic heif avif tif tiff ico psd raw cr2 nef arw dng"],
  ["video", "mp4 mkv webm mov avi wmv flv m4v 3gp ts mpeg mpg"],
  ["audio", "mp3 flac wav ogg oga m4a aac wma opus ape"],
  ["pdf", "pdf"],
  ["archive", "zip rar 7z tar gz tgz bz2 xz zst iso"],
  ["code", "js mjs ts tsx jsx py go rs java c h cpp hpp cs rb php sh json yaml yml toml xml html css sql kt swift lua"],
  ["text", "txt md markdown log csv ini conf doc docx odt rtf xls xlsx ods ppt pptx odp epub"],
];
const ICON_BY_EXT = new Map(TYPE_ICONS.flatMap(([icon, exts]) => exts.split(" ").map((e) => [e, icon])));

export function fileIcon(file) {
  if (isShortcut(file)) return "share";
  if (isFolder(file)) return "folder";
  return ICON_BY_EXT.get(extensionOf(file.name)) || "file";
}

// Images the server's built-in generator can shrink; other types are left to their icons.
const THUMB_EXTS = new Set("jpg jpeg png gif bmp webp tif tiff heic heif avif".split(" "));

export function canHaveThumbnail(file, capability) {
  return !isFolder(file) && THUMB_EXTS.has(extensionOf(file.name)) && !file.metadata?.["thumb:disabled"]
    && hasCapability(capability, CAP.thumbnail);
}

/** The folder that holds a listed file, as a URI (search results come from many folders). */
export function folderOf(file) {
  const p = parseUri(file.path);
  return p ? buildUri({ ...p, query: "", elements: p.elements.slice(0, -1) }) : "";
}

// Thumbnail URLs are signed and short-lived: cache them per version, fetch a few at a time.
const thumbCache = new Map(); // key -> Promise<url|null>
const THUMB_CONCURRENCY = 4;
let running = 0;
const waiting = [];

function nextThumb() {
  while (running < THUMB_CONCURRENCY && waiting.length) {
    const job = waiting.shift();
    running += 1;
    job().finally(() => { running -= 1; nextThumb(); });
  }
}

const thumbKey = (file) => `${file.path}#${file.primary_entity || ""}`;

export function forgetThumbnail(file) { thumbCache.delete(thumbKey(file)); }

export function thumbnailUrl(file) {
  const key = thumbKey(file);
  if (!thumbCache.has(key)) {
    thumbCache.set(key, new Promise((resolve) => {
      waiting.push(async () => {
        try { resolve((await get("/file/thumb", { uri: file.path })).url || null); } catch { resolve(null); }
      });
      nextThumb();
    }));
  }
  return thumbCache.get(key);
}
