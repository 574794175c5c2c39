"""Where the SDK finds the hub: arguments, then $PREDHUB_URL/$PREDHUB_TOKEN, then the config file."""

import json
from pathlib import Path

import pytest

from predhub import Client, ConfigError, load_config


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PREDHUB_URL", raising=False)
    monkeypatch.delenv("PREDHUB_TOKEN", raising=False)
    monkeypatch.setenv("PREDHUB_CONFIG", str(tmp_path / "absent.json"))


def test_reads_the_file_named_by_predhub_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"url": "http://127.0.0.1:9999/", "token": "ph_file"}))
    monkeypatch.setenv("PREDHUB_CONFIG", str(path))
    config = load_config()
    assert (config.url, config.token) == ("http://127.0.0.1:9999", "ph_file")


def test_arguments_then_environment_override_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"url": "http://file:1", "token": "ph_file"}))
    monkeypatch.setenv("PREDHUB_CONFIG", str(path))
    monkeypatch.setenv("PREDHUB_TOKEN", "ph_env")
    assert load_config().token == "ph_env"
    assert load_config(token="ph_arg").token == "ph_arg"
    assert load_config(url="http://arg:2").url == "http://arg:2"


def test_default_file_is_under_the_home_config_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PREDHUB_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".config" / "predhub").mkdir(parents=True)
    (tmp_path / ".config" / "predhub" / "config.json").write_text(json.dumps({"token": "ph_home"}))
    config = load_config()
    assert config.token == "ph_home"
    assert config.url == "http://127.0.0.1:8470"


def test_no_token_anywhere_is_a_config_error_that_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match="predhub serve"):
        Client()


def test_a_broken_config_file_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")
    monkeypatch.setenv("PREDHUB_CONFIG", str(path))
    with pytest.raises(ConfigError, match=str(path)):
        load_config()
