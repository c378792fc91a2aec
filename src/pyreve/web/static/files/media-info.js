// What the server read from a photo, a song or a video (its exif:, music: and stream: metadata), as
// rows of the details dialog: dimensions, duration, camera and exposure, place, song tags, codecs.
import { h } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatDate, formatDuration } from "../core/format.js";

/** "2.800000" → "2.8": the metadata keeps six decimals. */
const trimNumber = (text) => (text ? String(Number(text)) : "");

/** The first video stream's key `name` (stream:stream_<index>_video_<name>). */
function videoStream(meta, name) {
  const key = Object.keys(meta).find((k) => /^stream:stream_\d+_video_/.test(k) && k.endsWith(`_${name}`));
  return key ? meta[key] : "";
}

function camera(meta) {
  const make = meta["exif:camera_make"] || "";
  const model = meta["exif:camera_model"] || "";
  return model.toLowerCase().startsWith(make.toLowerCase()) ? model : [make, model].filter(Boolean).join(" ");
}

function exposure(meta) {
  return [
    meta["exif:exposure_time"] && `${meta["exif:exposure_time"]} s`,
    meta["exif:f"] && `f/${trimNumber(meta["exif:f"])}`,
    meta["exif:iso"] && `ISO ${meta["exif:iso"]}`,
    meta["exif:focal_length"] && `${meta["exif:focal_length"]} mm`,
  ].filter(Boolean).join(" · ");
}

function place(meta) {
  const lat = Number(meta["exif:latitude"]);
  const lon = Number(meta["exif:longitude"]);
  if (!meta["exif:latitude"] || !Number.isFinite(lat) || !Number.isFinite(lon)) return "";
  const text = `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  return h("a", { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`,
    target: "_blank", rel: "noopener noreferrer" }, text);
}

function dimensions(meta) {
  const width = meta["exif:x"] || videoStream(meta, "width");
  const height = meta["exif:y"] || videoStream(meta, "height");
  return width && height ? `${width} × ${height}` : "";
}

function bitrate(value) {
  const bits = Number(value);
  return bits > 0 ? `${Math.round(bits / 1000)} kb/s` : "";
}

const music = (meta, key) => meta[`music:${key}`] || "";

/** Each piece of media information: how it reads from the metadata. Keys name the strings (media.<key>). */
const MEDIA = {
  dimensions,
  duration: (meta) => (meta["stream:duration"] ? formatDuration(meta["stream:duration"]) : ""),
  title: (meta) => music(meta, "title") || meta["stream:title"] || "",
  artist: (meta) => music(meta, "artist"),
  album: (meta) => music(meta, "album"),
  year: (meta) => music(meta, "year"),
  track: (meta) => music(meta, "track").replace(/\/0$/, ""),
  genre: (meta) => music(meta, "genre"),
  taken: (meta) => (meta["exif:taken_at"] ? formatDate(meta["exif:taken_at"]) : ""),
  camera,
  lens: (meta) => meta["exif:lens_model"] || "",
  exposure,
  place,
  videoCodec: (meta) => videoStream(meta, "codec"),
  bitrate: (meta) => bitrate(meta["stream:bitrate"]),
};

/** One piece of media information (a key of MEDIA) of a file's metadata; "" when unknown. */
export function mediaValue(key, meta = {}) {
  return MEDIA[key](meta);
}

/** [label, value] pairs for the details dialog; values that are missing are left out by the caller. */
export function mediaRows(meta = {}) {
  return Object.keys(MEDIA).map((key) => [t(`media.${key}`), mediaValue(key, meta)]);
}
