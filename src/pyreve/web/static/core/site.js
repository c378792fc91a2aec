// Public site settings (GET /site/config/basic), loaded once at start and after sign-in/out (with the
// signed-in user's current profile), and the signed-in user's capacity. Read through siteConfig() anywhere.
import { get, currentUser, refreshUser } from "./api.js";
import { emit } from "./events.js";

let basic = {};

export function siteConfig() { return basic; }

export async function loadSiteConfig() {
  try { basic = await get("/site/config/basic"); } catch { basic = basic || {}; }
  // The answer carries the signed-in user as the server knows it now.
  if (basic.user && !basic.user.anonymous) refreshUser(basic.user);
  if (basic.title) document.title = basic.title;
  emit("site-config", basic);
  return basic;
}

/** Public sign-in settings: which forms ask for a captcha, whether sign-up is open, whether passkeys are on. */
export async function loginConfig() {
  try { return await get("/site/config/login", null, { auth: false }); } catch { return {}; }
}

export async function loadCapacity() {
  if (!currentUser()) return null;
  return get("/user/capacity");
}
