"""Every site setting with its default value, as stored (strings) in the ``settings`` table.

Keys follow Cloudreve so an existing configuration keeps its meaning. Secrets and identifiers
marked ``None`` are generated once at install (:func:`generated_defaults`).
"""

from __future__ import annotations

import json
import uuid

from pyreve.config import random_string

_THEMES = {
    "#1976d2": {
        "light": {"palette": {"primary": {"main": "#1976d2", "light": "#42a5f5", "dark": "#1565c0"},
                              "secondary": {"main": "#9c27b0", "light": "#ba68c8", "dark": "#7b1fa2"}}},
        "dark": {"palette": {"primary": {"main": "#90caf9", "light": "#e3f2fd", "dark": "#42a5f5"},
                             "secondary": {"main": "#ce93d8", "light": "#f3e5f5", "dark": "#ab47bc"}}},
    },
    "#3f51b5": {
        "light": {"palette": {"primary": {"main": "#3f51b5"}, "secondary": {"main": "#f50057"}}},
        "dark": {"palette": {"primary": {"main": "#9fa8da"}, "secondary": {"main": "#ff4081"}}},
    },
}

_CODE_EXTS = ["md", "txt", "json", "py", "sh", "c", "h", "cpp", "hpp", "cs", "css", "go", "html", "htm",
              "ini", "java", "js", "jsx", "ts", "tsx", "less", "lua", "sql", "xml", "yaml", "yml", "toml",
              "rs", "php", "bat", "dockerfile", "log", "conf"]
_OFFICE_EXTS = ["doc", "docx", "docm", "dotx", "xls", "xlsx", "xlsm", "xlsb", "ppt", "pptx", "pps", "ppsx",
                "pptm", "potx"]

_FILE_VIEWERS = [{"viewers": [
    {"id": "music", "type": "builtin", "action": "view", "display_name": "fileManager.musicPlayer",
     "exts": ["mp3", "ogg", "wav", "flac", "m4a", "aac", "opus"]},
    {"id": "epub", "type": "builtin", "action": "view", "display_name": "fileManager.epubViewer",
     "exts": ["epub"]},
    {"id": "googledocs", "type": "custom", "action": "view", "display_name": "fileManager.googledocs",
     "icon": "/static/img/viewers/gdrive.png", "url": "https://docs.google.com/gview?url={$src}&embedded=true",
     "exts": ["pdf", "txt", "ai", "psd", "tiff", "svg", "eps", "ps", "ttf", "xps", *_OFFICE_EXTS],
     "max_size": 25 << 20},
    {"id": "m365online", "type": "custom", "action": "view", "display_name": "fileManager.m365viewer",
     "icon": "/static/img/viewers/m365.svg", "url": "https://view.officeapps.live.com/op/view.aspx?src={$src}",
     "exts": _OFFICE_EXTS, "max_size": 10 << 20},
    {"id": "pdf", "type": "builtin", "action": "view", "display_name": "fileManager.pdfViewer", "exts": ["pdf"]},
    {"id": "video", "type": "builtin", "action": "view", "icon": "/static/img/viewers/artplayer.png",
     "display_name": "Artplayer", "exts": ["mp4", "mkv", "webm", "avi", "m3u8", "mov", "flv", "m4v"]},
    {"id": "markdown", "type": "builtin", "action": "edit", "display_name": "fileManager.markdownEditor",
     "exts": ["md"], "templates": [{"ext": "md", "display_name": "Markdown"}]},
    {"id": "drawio", "type": "builtin", "action": "edit", "icon": "/static/img/viewers/drawio.svg",
     "display_name": "draw.io", "exts": ["drawio", "dwb"], "props": {"host": "https://embed.diagrams.net"},
     "templates": [{"ext": "drawio", "display_name": "fileManager.diagram"},
                   {"ext": "dwb", "display_name": "fileManager.whiteboard"}]},
    {"id": "image", "type": "builtin", "action": "edit", "display_name": "fileManager.imageViewer",
     "exts": ["bmp", "png", "gif", "jpg", "jpeg", "svg", "webp", "heic", "heif", "avif"]},
    {"id": "monaco", "type": "builtin", "action": "edit", "icon": "/static/img/viewers/monaco.svg",
     "display_name": "fileManager.monacoEditor", "exts": _CODE_EXTS,
     "templates": [{"ext": "txt", "display_name": "fileManager.text"}]},
    {"id": "photopea", "type": "builtin", "action": "edit", "icon": "/static/img/viewers/photopea.png",
     "display_name": "Photopea", "exts": ["psd", "ai", "xcf", "sketch", "fig", "pdn", "tga", "dds"]},
    {"id": "excalidraw", "type": "builtin", "action": "view", "icon": "/static/img/viewers/excalidraw.svg",
     "display_name": "Excalidraw", "exts": ["excalidraw"],
     "templates": [{"ext": "excalidraw", "display_name": "Excalidraw"}]},
]}]

_ICONS = [
    {"exts": ["mp3", "flac", "ape", "wav", "aac", "ogg", "m4a", "opus"], "icon": "audio", "color": "#651fff"},
    {"exts": ["m3u8", "mp4", "flv", "avi", "wmv", "mkv", "rm", "rmvb", "mov", "ogv", "webm"], "icon": "video",
     "color": "#d50000"},
    {"exts": ["bmp", "iff", "png", "gif", "jpg", "jpeg", "psd", "svg", "webp", "heic", "heif", "avif"],
     "icon": "image", "color": "#d32f2f"},
    {"exts": ["pdf"], "icon": "pdf", "color": "#f44336"},
    {"exts": ["doc", "docx"], "icon": "word", "color": "#538ce5"},
    {"exts": ["ppt", "pptx"], "icon": "ppt", "color": "#EF633F"},
    {"exts": ["xls", "xlsx", "csv"], "icon": "excel", "color": "#4caf50"},
    {"exts": ["txt", "html", "log"], "icon": "text", "color": "#607d8b"},
    {"exts": ["torrent"], "icon": "torrent", "color": "#5c6bc0"},
    {"exts": ["zip", "gz", "xz", "tar", "rar", "7z", "bz2", "zst"], "icon": "zip", "color": "#f9a825"},
    {"exts": ["exe", "msi"], "icon": "exe", "color": "#1a237e"},
    {"exts": ["apk"], "icon": "android", "color": "#8bc34a"},
    {"exts": ["go"], "icon": "go", "color": "#16b3da"},
    {"exts": ["py"], "icon": "python", "color": "#3776ab"},
    {"exts": ["c", "h"], "icon": "c", "color": "#a8b9cc"},
    {"exts": ["cpp", "hpp"], "icon": "cpp", "color": "#004482"},
    {"exts": ["js", "jsx", "ts", "tsx"], "icon": "js", "color": "#f4d003"},
    {"exts": ["md"], "icon": "markdown", "color": "#383838", "color_dark": "#cbcbcb"},
    {"exts": ["epub"], "icon": "book", "color": "#81b315"},
    {"exts": ["drawio", "dwb"], "icon": "flowchart", "color": "#F08705"},
    {"exts": ["excalidraw"], "icon": "whiteboard", "color": "#6965db"},
]

_EMOJIS = {
    "😀": ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "😉", "😊", "😇", "🥰", "😍", "🤩", "😘", "😋",
          "😎", "🤔", "😴"],
    "🐱": ["🐱", "🐶", "🐭", "🐹", "🐰", "🦊", "🐻", "🐼", "🐨", "🐯", "🦁", "🐮", "🐷", "🐸", "🐵", "🐔"],
    "🍎": ["🍎", "🍐", "🍊", "🍋", "🍌", "🍉", "🍇", "🍓", "🍒", "🍑", "🥭", "🍍", "🥥", "🥝", "🍅", "🥑"],
    "⚽": ["⚽", "🏀", "🏈", "⚾", "🎾", "🏐", "🏉", "🎱", "🏓", "🏸", "🥅", "🏒", "⛳", "🎣", "🎿", "🛹"],
    "🚗": ["🚗", "🚕", "🚙", "🚌", "🚎", "🏎", "🚓", "🚑", "🚒", "🚐", "🚚", "🚜", "🚲", "🛵", "✈", "🚀"],
    "💡": ["💡", "📁", "📂", "📄", "📝", "📌", "📎", "🔒", "🔑", "⭐", "❤", "✅", "❌", "⚠", "🔥", "🎉"],
}

_MIME_MAPPING = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".md": "text/markdown",
    ".mkv": "video/x-matroska",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".avif": "image/avif",
    ".epub": "application/epub+zip",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".opus": "audio/ogg",
}

# Mail templates: Cloudreve's JSON shape ``[{language, title, body}]``; bodies use its placeholder
# syntax ({{ .User.Nick }} and friends), rendered by services/mail.py.
_MAIL_LAYOUT = (
    "<!doctype html><html><body style=\"font-family:Arial,Helvetica,sans-serif;background:#f4f5f7;"
    "margin:0;padding:24px\"><table role=\"presentation\" style=\"max-width:560px;margin:auto;"
    "background:#fff;border-radius:8px;padding:32px\"><tr><td>"
    "<h2 style=\"margin-top:0\">{{ .CommonContext.SiteBasic.Name }}</h2>{content}"
    "<p style=\"color:#888;font-size:12px\">{footer}</p></td></tr></table></body></html>"
)


def _mail(language: str, title: str, content: str, footer: str) -> dict[str, str]:
    return {"language": language, "title": title,
            "body": _MAIL_LAYOUT.replace("{content}", content).replace("{footer}", footer)}


_BUTTON = ("<p><a href=\"{{ .Url }}\" style=\"display:inline-block;background:#1976d2;color:#fff;"
           "padding:10px 20px;border-radius:4px;text-decoration:none\">{label}</a></p>"
           "<p style=\"word-break:break-all;font-size:12px\">{{ .Url }}</p>")

_ACTIVATION_TEMPLATES = [
    _mail("en-US", "Activate your account",
          "<p>Hello {{ .User.Nick }},</p><p>Thanks for signing up. Confirm your email address to "
          "activate your account.</p>" + _BUTTON.replace("{label}", "Activate account"),
          "If you did not sign up, ignore this email. The link expires in 24 hours."),
    _mail("zh-CN", "激活你的账号",
          "<p>{{ .User.Nick }}，你好：</p><p>感谢注册。请确认你的邮箱地址以激活账号。</p>"
          + _BUTTON.replace("{label}", "激活账号"),
          "如果这不是你本人的操作，请忽略本邮件。链接 24 小时内有效。"),
]

_RESET_TEMPLATES = [
    _mail("en-US", "Reset your password",
          "<p>Hello {{ .User.Nick }},</p><p>Someone asked to reset the password of your account. "
          "Follow the link to choose a new one.</p>" + _BUTTON.replace("{label}", "Reset password"),
          "If you did not ask for this, ignore this email. The link expires in one hour."),
    _mail("zh-CN", "重置你的密码",
          "<p>{{ .User.Nick }}，你好：</p><p>有人请求重置你的账号密码，请点击下面的链接设置新密码。</p>"
          + _BUTTON.replace("{label}", "重置密码"),
          "如果这不是你本人的操作，请忽略本邮件。链接 1 小时内有效。"),
]


# Custom file properties offered in the details panel: Cloudreve's two defaults.
_CUSTOM_PROPS = [
    {"id": "description", "name": "fileManager.description", "type": "text", "icon": "fluent:slide-text-24-filled"},
    {"id": "rating", "name": "fileManager.rating", "type": "rating", "max": 5,
     "icon": "fluent:data-bar-vertical-star-24-filled"},
]


def _category(exts: list[str]) -> str:
    return "type=file&case_folding&use_or&" + "&".join(f"name=*.{e}" for e in exts)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


DEFAULTS: dict[str, str] = {
    "siteURL": "http://localhost:5212",
    "siteName": "Cloudreve",
    "siteDes": "Cloudreve",
    "siteTitle": "Cloud storage for everyone",
    "siteScript": "",
    "pwa_small_icon": "/static/img/favicon.ico",
    "pwa_medium_icon": "/static/img/logo192.png",
    "pwa_large_icon": "/static/img/logo512.png",
    "pwa_display": "standalone",
    "pwa_theme_color": "#000000",
    "pwa_background_color": "#ffffff",
    "register_enabled": "1",
    "default_group": "2",
    "fromName": "Cloudreve",
    "mail_keepalive": "30",
    "fromAdress": "no-reply@cloudreve.org",
    "smtpHost": "smtp.cloudreve.com",
    "smtpPort": "25",
    "replyTo": "support@cloudreve.org",
    "smtpUser": "smtp.cloudreve.com",
    "smtpPass": "",
    "smtpEncryption": "0",
    "ban_time": "604800",
    "maxEditSize": "52428800",
    "archive_timeout": "600",
    "upload_session_timeout": "86400",
    "slave_api_timeout": "60",
    "folder_props_timeout": "300",
    "chunk_retries": "5",
    "use_temp_chunk_buffer": "1",
    "login_captcha": "0",
    "reg_captcha": "0",
    "email_active": "0",
    "forget_captcha": "0",
    "gravatar_server": "https://www.gravatar.com/",
    "defaultTheme": "#1976d2",
    "theme_options": _json(_THEMES),
    "max_parallel_transfer": "4",
    "temp_path": "temp",
    "avatar_path": "avatar",
    "avatar_size": "4194304",
    "avatar_size_l": "200",
    "cron_garbage_collect": "@every 30m",
    "cron_entity_collect": "@every 15m",
    "cron_trash_bin_collect": "@every 33m",
    "cron_oauth_cred_refresh": "@every 230h",
    "authn_enabled": "1",
    "captcha_type": "normal",
    "captcha_height": "60",
    "captcha_width": "240",
    "captcha_mode": "3",
    "captcha_ComplexOfNoiseText": "0",
    "captcha_ComplexOfNoiseDot": "0",
    "captcha_IsShowHollowLine": "0",
    "captcha_IsShowNoiseDot": "1",
    "captcha_IsShowNoiseText": "0",
    "captcha_IsShowSlimeLine": "1",
    "captcha_IsShowSineLine": "0",
    "captcha_CaptchaLen": "6",
    "captcha_ReCaptchaKey": "defaultKey",
    "captcha_ReCaptchaSecret": "defaultSecret",
    "captcha_turnstile_site_key": "",
    "captcha_turnstile_site_secret": "",
    "captcha_cap_instance_url": "",
    "captcha_cap_key_id": "",
    "captcha_cap_key_secret": "",
    "captcha_cap_site_key": "",
    "captcha_cap_secret_key": "",
    "captcha_cap_asset_server": "jsdelivr",
    "thumb_width": "400",
    "thumb_height": "300",
    "thumb_entity_suffix": "._thumb",
    "thumb_slave_sidecar_suffix": "._thumb_sidecar",
    "thumb_encode_method": "png",
    "thumb_gc_after_gen": "0",
    "thumb_encode_quality": "95",
    "thumb_builtin_enabled": "1",
    "thumb_builtin_max_size": "78643200",
    "thumb_vips_max_size": "78643200",
    "thumb_vips_enabled": "0",
    "thumb_vips_exts": "3fr,ari,arw,bay,cr2,cr3,crw,dng,erf,nef,nrw,orf,pef,raf,raw,rw2,sr2,srf,srw,tif,tiff,x3f",
    "thumb_ffmpeg_enabled": "0",
    "thumb_vips_path": "vips",
    "thumb_ffmpeg_path": "ffmpeg",
    "thumb_ffmpeg_max_size": "10737418240",
    "thumb_ffmpeg_exts": "3g2,3gp,asf,asx,avi,divx,flv,m2ts,m2v,m4v,mkv,mov,mp4,mpeg,mpg,mts,mxf,ogv,rm,swf,webm,wmv",
    "thumb_ffmpeg_seek": "00:00:01.00",
    "thumb_ffmpeg_extra_args": "-hwaccel auto",
    "thumb_libreoffice_path": "soffice",
    "thumb_libreoffice_max_size": "78643200",
    "thumb_libreoffice_enabled": "0",
    "thumb_libreoffice_exts": "txt,pdf,md,ods,odt,odp,csv,xlsx,xls,docx,doc,rtf,pptx,ppt",
    "thumb_music_cover_enabled": "1",
    "thumb_music_cover_exts": "mp3,m4a,ogg,flac",
    "thumb_music_cover_max_size": "1073741824",
    "thumb_libraw_enabled": "0",
    "thumb_libraw_path": "simple_dcraw",
    "thumb_libraw_max_size": "78643200",
    "thumb_libraw_exts": "3fr,ari,arw,bay,braw,crw,cr2,cr3,cap,data,dcs,dcr,dng,drf,eip,erf,fff,gpr,iiq,k25,kdc,mdc,"
                         "mef,mos,mrw,nef,nrw,obm,orf,pef,ptx,pxn,r3d,raf,raw,rwl,rw2,rwz,sr2,srf,srw,tif,x3f",
    "phone_required": "false",
    "phone_enabled": "false",
    "show_app_promotion": "1",
    "public_resource_maxage": "86400",
    "viewer_session_timeout": "36000",
    "mail_activation_template": _json(_ACTIVATION_TEMPLATES),
    "mail_reset_template": _json(_RESET_TEMPLATES),
    "access_token_ttl": "3600",
    "refresh_token_ttl": "1209600",
    "use_cursor_pagination": "1",
    "max_page_size": "2000",
    "max_recursive_searched_folder": "65535",
    "max_batched_file": "3000",
    **{f"queue_{queue}_{key}": value
       for queue, workers, max_exec, backoff_max, retries in [
           ("media_meta", 30, 600, 60, 1), ("thumb", 15, 300, 60, 0), ("recycle", 5, 900, 60, 0),
           ("io_intense", 30, 2592000, 600, 5), ("remote_download", 5, 864000, 600, 5)]
       for key, value in [("worker_num", str(workers)), ("max_execution", str(max_exec)),
                          ("backoff_factor", "2"), ("backoff_max_duration", str(backoff_max)),
                          ("max_retry", str(retries)), ("retry_delay", "0")]},
    "entity_url_default_ttl": "3600",
    "entity_url_cache_margin": "600",
    "media_meta": "1",
    "media_meta_exif": "1",
    "media_meta_exif_size_local": "1073741824",
    "media_meta_exif_size_remote": "104857600",
    "media_meta_exif_brute_force": "1",
    "media_meta_music": "1",
    "media_meta_music_size_local": "1073741824",
    "media_exif_music_size_remote": "1073741824",
    "media_meta_ffprobe": "0",
    "media_meta_ffprobe_path": "ffprobe",
    "media_meta_ffprobe_size_local": "0",
    "media_meta_ffprobe_size_remote": "0",
    "media_meta_geocoding": "0",
    "media_meta_geocoding_mapbox_ak": "",
    "site_logo": "/static/img/logo.svg",
    "site_logo_light": "/static/img/logo_light.svg",
    "tos_url": "https://cloudreve.org/privacy-policy",
    "privacy_policy_url": "https://cloudreve.org/privacy-policy",
    "explorer_icons": _json(_ICONS),
    "explorer_category_image_query": _category(
        ["bmp", "iff", "png", "gif", "jpg", "jpeg", "psd", "svg", "webp", "heif", "heic", "tiff", "avif"]),
    "explorer_category_video_query": _category(
        ["mp4", "m3u8", "flv", "avi", "wmv", "mkv", "rm", "rmvb", "mov", "ogv"]),
    "explorer_category_audio_query": _category(["mp3", "flac", "ape", "wav", "acc", "ogg", "m4a"]),
    "explorer_category_document_query": _category(
        ["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "csv", "txt", "md", "pub"]),
    "use_sse_for_search": "0",
    "emojis": _json(_EMOJIS),
    "map_provider": "openstreetmap",
    "map_google_tile_type": "regular",
    "map_mapbox_ak": "",
    "mime_mapping": _json(_MIME_MAPPING),
    "file_viewers": _json(_FILE_VIEWERS),
    "logto_enabled": "0",
    "logto_config": _json({"direct_sign_in": True, "display_name": "vas.sso"}),
    "qq_login": "0",
    "qq_login_config": _json({"direct_sign_in": False}),
    "license": "",
    "custom_nav_items": "[]",
    "headless_footer_html": "",
    "headless_bottom_html": "",
    "sidebar_bottom_html": "",
    "custom_props": _json(_CUSTOM_PROPS),
    "encrypt_master_key": "",
    "encrypt_master_key_vault": "setting",
    "encrypt_master_key_file": "",
    "show_encryption_status": "1",
    "show_desktop_app_promotion": "1",
    "fs_event_push_enabled": "1",
    "fs_event_push_max_age": "1209600",
    "fs_event_push_debounce": "5",
    "fts_enabled": "0",
    "fts_index_type": "meilisearch",
    "fts_extractor_type": "tika",
    "fts_meilisearch_endpoint": "",
    "fts_meilisearch_api_key": "",
    "fts_meilisearch_page_size": "5",
    "fts_meilisearch_embed_enabled": "0",
    "fts_meilisearch_embed_config": "{}",
    "fts_tika_endpoint": "",
    "fts_tika_exts": "pdf,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,rtf,txt,md,html,htm,epub,csv",
    "fts_tika_max_file_size": "26214400",
    "fts_chunk_size": "2000",
    "viewer_default_apps": "{}",
    "expose_user_email": "1",
}


def generated_defaults() -> dict[str, str]:
    """Per-install values: generated once, stable forever (ids, tokens and links depend on them)."""
    return {
        "siteID": str(uuid.uuid4()),
        "secret_key": random_string(256),
        "hash_id_salt": random_string(64),
    }
