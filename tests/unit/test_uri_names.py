"""File URIs and names (file-uri.md §1, §3, §4): parsing, canonical encoding, traversal, normalisation."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import pytest

from pyreve.errors import AppError, Code
from pyreve.fs.names import MAX_NAME_BYTES, clean_name, extension
from pyreve.fs.uri import FileURI, encode_component


def parse(text: str) -> FileURI:
    return FileURI.parse(text)


# --- parsing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,fs,path,ident", [
    ("cloudreve://my", "my", "/", ""),
    ("cloudreve://my/", "my", "/", ""),
    ("cloudreve://MY/Docs", "my", "/Docs", ""),
    ("CLOUDREVE://my/Docs/a%20b.txt", "my", "/Docs/a b.txt", ""),
    ("cloudreve://luPa@my/Docs/", "my", "/Docs", "luPa"),
    ("cloudreve://VoMFL:2rje2bdj@share/folder", "share", "/folder", "VoMFL"),
    ("cloudreve://trash/4a1c", "trash", "/4a1c", ""),
    ("cloudreve://shared_with_me", "shared_with_me", "/", ""),
])
def test_parse_parts(text: str, fs: str, path: str, ident: str) -> None:
    uri = parse(text)
    assert (uri.fs, uri.path, uri.id) == (fs, path, ident)


def test_password_and_query() -> None:
    uri = parse("cloudreve://VoMFL:2rje2bdj@share/folder/child?name=my%20file&case_folding")
    assert uri.password == "2rje2bdj"
    assert uri.query_values("name") == ["my file"]
    assert uri.has_query("case_folding") and not uri.has_query("use_or")
    assert uri.without_query().query == ()


@pytest.mark.parametrize("text", [
    "http://my/a", "file:///etc/passwd", "cloudreve:///etc/passwd", "cloudreve://home/a", "cloudreve://my@/a",
    "cloudreve://[my/a", "cloudreve://my]/a", "cloudreve://my:80/a", "my/a", "", "cloudreve://my/a\x00b",
    "cloudreve://my/a\nb", "cloudreve://my/%00", "cloudreve://my/a%00/b",
])
def test_rejected_uris(text: str) -> None:
    with pytest.raises(AppError) as err:
        parse(text)
    assert err.value.code == Code.PARAM_ERR


def test_overlong_uri_is_rejected() -> None:
    with pytest.raises(AppError):
        parse("cloudreve://my/" + "a/" * 40000)


def test_elements_name_and_dir() -> None:
    uri = parse("cloudreve://my/a/b/c.txt?name=x")
    assert uri.elements == ["a", "b", "c.txt"]
    assert uri.name == "c.txt"
    assert str(uri.dir()) == "cloudreve://my/a/b?name=x"  # the query is kept, as the reference does
    assert parse("cloudreve://my").elements == []
    assert parse("cloudreve://my").name == ""
    assert parse("cloudreve://my/a").dir().is_root


# --- traversal ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,path", [
    ("cloudreve://my/../../etc/passwd", "/etc/passwd"),
    ("cloudreve://my/a/../../../b", "/b"),
    ("cloudreve://my/%2e%2e/%2E%2E/etc", "/etc"),
    ("cloudreve://my/a/%2e%2e%2f%2e%2e%2fb", "/b"),
    ("cloudreve://my//etc//passwd", "/etc/passwd"),
    ("cloudreve://my/./a/./b/.", "/a/b"),
    ("cloudreve://my/a%2Fb", "/a/b"),
    ("cloudreve://my/..%2F..%2Fx", "/x"),
])
def test_traversal_never_leaves_the_root(text: str, path: str) -> None:
    uri = parse(text)
    assert uri.path == path
    assert all(e not in ("", ".", "..") and "/" not in e for e in uri.elements)


def test_backslashes_are_not_separators() -> None:
    uri = parse("cloudreve://my/a\\..\\..\\b")
    assert uri.elements == ["a\\..\\..\\b"]
    assert str(uri) == "cloudreve://my/a%5C..%5C..%5Cb"
    with pytest.raises(AppError) as err:
        clean_name(uri.name)
    assert err.value.code == Code.ILLEGAL_OBJECT_NAME


def test_join_cannot_climb_out() -> None:
    base = parse("cloudreve://my/a")
    assert base.join("..", "..", "x").path == "/x"
    assert base.join("b", "c").path == "/a/b/c"


# --- canonical encoding ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,encoded", [
    ("a b", "a%20b"),
    ("a+b", "a%2Bb"),
    ("100%", "100%25"),
    ("é", "%C3%A9"),
    ("日本", "%E6%97%A5%E6%9C%AC"),
    ("-_.~!*'()", "-_.~!*'()"),
    ("a#b?c&d=e", "a%23b%3Fc%26d%3De"),
    ("[x]{y};,$@", "%5Bx%5D%7By%7D%3B%2C%24%40"),
    ("😀", "%F0%9F%98%80"),
])
def test_encode_component_matches_encode_uri_component(name: str, encoded: str) -> None:
    assert encode_component(name) == encoded
    assert all(escape == escape.upper() for escape in re.findall(r"%[0-9A-Fa-f]{2}", encoded))
    assert str(FileURI(fs="my").join(name)) == "cloudreve://my/" + encoded


def test_canonical_string_round_trips() -> None:
    for text in ("cloudreve://my/Docs/a%20b.txt", "cloudreve://luPa@my/x", "cloudreve://trash/abc",
                 "cloudreve://my/%C3%A9t%C3%A9/(1)", "cloudreve://my"):
        assert str(parse(text)) == text
        assert str(parse(str(parse(text)))) == text


def test_lower_case_hex_and_raw_characters_are_canonicalised() -> None:
    assert str(parse("cloudreve://my/a%2bb/%c3%a9")) == "cloudreve://my/a%2Bb/%C3%A9"
    assert str(parse("cloudreve://my/a b/é")) == "cloudreve://my/a%20b/%C3%A9"
    assert str(parse("cloudreve://my/a/")) == "cloudreve://my/a"
    assert str(parse("cloudreve://MY/x")) == "cloudreve://my/x"


def test_plus_in_a_path_is_a_plus() -> None:
    assert parse("cloudreve://my/a+b").name == "a+b"


# --- equality and descendants ---------------------------------------------------------------------

def test_same_ignores_query_and_trailing_slash() -> None:
    assert parse("cloudreve://my/a/b/").same(parse("cloudreve://my/a/b?name=x"))
    assert parse("cloudreve://my/a%20b").same(parse("cloudreve://my/a b"))
    assert not parse("cloudreve://my/a").same(parse("cloudreve://trash/a"))
    assert not parse("cloudreve://my/a").same(parse("cloudreve://my/A"))


def test_same_with_the_requester_as_default_id() -> None:
    mine, explicit = parse("cloudreve://my/a"), parse("cloudreve://luPa@my/a")
    assert not mine.same(explicit)
    assert mine.same(explicit, default_id="luPa")
    assert not mine.same(explicit, default_id="other")


def test_descendants() -> None:
    folder = parse("cloudreve://my/a")
    assert parse("cloudreve://my/a").is_descendant_of(folder)
    assert parse("cloudreve://my/a/b/c").is_descendant_of(folder)
    assert not parse("cloudreve://my/ab").is_descendant_of(folder)
    assert not parse("cloudreve://my/b/a").is_descendant_of(folder)
    assert not parse("cloudreve://trash/a/b").is_descendant_of(folder)
    assert parse("cloudreve://my/x").is_descendant_of(parse("cloudreve://my"))
    assert parse("cloudreve://luPa@my/a/b").is_descendant_of(folder, default_id="luPa")
    assert not parse("cloudreve://luPa@my/a/b").is_descendant_of(folder)


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "", ".", "..", "a/b", "a\\b", "a:b", "a*b", "a?b", 'a"b', "a<b", "a>b", "a|b", "a\x00b", "a\nb", "a\x7fb",
    "x" * (MAX_NAME_BYTES + 1), "é" * 128,
])
def test_invalid_names(name: str) -> None:
    with pytest.raises(AppError) as err:
        clean_name(name)
    assert err.value.code == Code.ILLEGAL_OBJECT_NAME


@pytest.mark.parametrize("name", ["a", "...", ".hidden", "a b", "x" * MAX_NAME_BYTES, "é" * 127, "日本語.txt",
                                  "(1) [2] {3}", "a+b=c", "100%"])
def test_valid_names(name: str) -> None:
    assert clean_name(name) == unicodedata.normalize("NFC", name)


def test_names_are_normalised_to_nfc() -> None:
    decomposed, composed = "Cafe\u0301.txt", "Caf\u00e9.txt"
    assert decomposed != composed
    assert clean_name(decomposed) == clean_name(composed) == composed
    assert parse("cloudreve://my/" + decomposed).name == composed
    assert parse("cloudreve://my/" + quote(decomposed)).same(parse("cloudreve://my/" + quote(composed)))


def test_names_differing_by_case_are_distinct() -> None:
    assert clean_name("Report.TXT") != clean_name("report.txt")
    assert not parse("cloudreve://my/Report").same(parse("cloudreve://my/report"))


def test_byte_length_is_measured_in_utf8() -> None:
    assert clean_name("日" * 85) == "日" * 85  # 255 bytes
    with pytest.raises(AppError):
        clean_name("日" * 86)  # 258 bytes


@pytest.mark.parametrize("name,ext", [("a.TXT", "txt"), ("a.tar.gz", "gz"), ("noext", ""), (".bashrc", ""),
                                      ("a.", "")])
def test_extension(name: str, ext: str) -> None:
    assert extension(name) == ext
