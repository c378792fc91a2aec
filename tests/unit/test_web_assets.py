"""The web UI's index page: which modules it preloads, in which order."""

from __future__ import annotations

import re
from pathlib import Path

from pyreve.web.assets import WebAssets


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def preloaded(assets: WebAssets) -> list[str]:
    return re.findall(r'rel="modulepreload" href="/assets/[0-9a-f]{12}/([^"]+)"', assets.index.body.decode())


def test_the_first_pages_modules_are_preloaded_first_and_the_classic_script_not_at_all(tmp_path: Path) -> None:
    write(tmp_path, {
        "index.html": "%STYLES%\n%PRELOAD%\n",
        "app.js": 'import "./core/a.js";\nimport {\n  b,\n  c,\n} from "./core/b.js";\n'
                  'const settings = () => import("./pages/settings.js");\n',
        "core/a.js": 'import { b } from "./b.js";\n',
        "core/b.js": 'import { a } from "./a.js";\n',  # a cycle
        "pages/home.js": 'import "../files/browser.js";\n',
        "files/browser.js": "export const browser = 1;\n",
        "pages/settings.js": "export default {};\n",
        "boot.js": "document.documentElement.dataset.theme = 'dark';\n",
        "vendor/lib/lib.mjs": "export const lib = 1;\n",
    })
    assert preloaded(WebAssets(tmp_path)) == [
        "app.js", "core/a.js", "core/b.js",  # the application, its static imports
        "pages/home.js", "files/browser.js",  # the file browser
        "pages/settings.js",  # loaded on demand: preloaded last
    ]
