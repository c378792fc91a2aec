"""A saved view keeps a custom property column's id (``props.custom_props_id``, files.md §18)."""

from __future__ import annotations

from tests.conftest import Server
from tests.e2e.file_helpers import Drive


def test_custom_property_columns_keep_their_id(server: Server) -> None:
    drive = Drive.new(server)
    drive.folder("cloudreve://my/v")
    view = {"page_size": 50, "view": "list",
            "columns": [{"type": 0}, {"type": 12, "width": 90, "props": {"custom_props_id": "rating"}}]}
    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://my/v", "view": view})["code"] == 0
    assert drive.list("cloudreve://my/v")["data"]["view"] == view
