// Public site settings (GET /site/config/basic), loaded once at start and after sign-in/out, and
// the signed-in user's capacity. Read through siteConfig() anywhere.
import { get, currentUser } from "./api.js";
import { emit } from "./events.js";

let basic = {};

export function siteConfig() { return basic; }

export async function loadSiteConfig() {
  try { basic = await get("/site/config/basic"); } catch { basic = basic || {}; }
  if (basic.title) document.title = basic.title;
  emit("site-config", basic);
  return basic;
}

export async function loadCapacity() {
  if (!currentUser()) return null;
  return get("/user/capacity");
}
