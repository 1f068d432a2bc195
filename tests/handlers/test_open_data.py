"""Open data from real conversations: CSV (UTF-8 with BOM) and JSON per resource, and a
Frictionless Data Package that `frictionless validate` accepts — and rejects once a CSV is
broken. No personal data, no hidden items."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.handlers.test_public_page import outcomes  # noqa: F401  (the shared fixture)

RESOURCES = ("initiatives", "ideas", "meetings", "indicators", "partnerships")
FRICTIONLESS = Path(sys.executable).with_name("frictionless")


def download(client, folder: Path) -> dict:
    package = client.get("/open-data/datapackage.json").json()
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), "utf-8")
    for resource in package["resources"]:
        got = client.get(f"/open-data/{resource['path']}")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        (folder / resource["path"]).write_bytes(got.content)
    return package


def validate(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(FRICTIONLESS), "validate", "datapackage.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_data_package_validates_and_a_broken_csv_fails(client, outcomes, tmp_path):  # noqa: F811
    package = download(client, tmp_path)
    assert [r["name"] for r in package["resources"]] == list(RESOURCES)
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["updated"].startswith("2026-11-24T10:00")
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            ja, en = field["description"].split(" / ", 1)
            assert ja and en, field
    result = validate(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout.lower()

    broken = tmp_path / "initiatives.csv"
    lines = broken.read_bytes().decode("utf-8-sig").splitlines()
    lines.append("not-a-number,x,bousai,,individual,,2026-13-45,many,,")
    broken.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    result = validate(tmp_path)
    assert result.returncode != 0
    assert "type-error" in result.stdout


def test_files_are_excel_ready_public_and_impersonal(client, outcomes):  # noqa: F811
    shown, _secret = outcomes
    csv_bytes = client.get("/open-data/initiatives.csv").content
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    text = csv_bytes.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,title,category")
    data = client.get("/open-data/initiatives.json").json()
    assert [row["id"] for row in data] == [shown.id]  # the hidden one is left out
    assert data[0]["organisation"] == "阿佐谷北町会"
    assert data[0]["participants"] is None  # 2 people: fewer than 3
    ideas = client.get("/open-data/ideas.json").json()
    assert ideas[0]["answer"] == "来月から 試します。" and "author" not in ideas[0]
    indicators = client.get("/open-data/indicators.json").json()
    assert {row["code"] for row in indicators} == {
        "initiatives",
        "participants",
        "ideas_adopted",
        "new_combinations",
    }
    everything = "".join(
        client.get(f"/open-data/{name}.{ext}").text for name in RESOURCES for ext in ("csv", "json")
    )
    assert "ひみつの 取組" not in everything
    for personal in ("たろう", "じろう", "鈴木", "はなこ", "U-owner-77", "U-taro-77"):
        assert personal not in everything, personal
    assert client.get("/open-data/people.csv").status_code == 404


def test_the_demo_ward_package_validates(client, engine, tmp_path):
    from storage.demo import load_demo
    from tests.conftest import START

    load_demo(engine, now=START)
    load_demo(engine, now=START)  # idempotent: nothing counted twice
    package = download(client, tmp_path)
    initiatives = client.get("/open-data/initiatives.json").json()
    assert len(initiatives) == 1 and initiatives[0]["participants"] is not None
    result = validate(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(package["resources"]) == len(RESOURCES)
    page = client.get("/public").text
    assert initiatives[0]["title"] in page
