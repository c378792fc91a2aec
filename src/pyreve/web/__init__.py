"""The browser UI: static ES modules served with content-hashed URLs, plus the SPA fallback."""
