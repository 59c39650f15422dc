"""Tests for backend_embed.ffmpeg.command: recorder argv, tee escaping, file names, redaction."""

from __future__ import annotations

import calendar
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.ffmpeg.command import (
    RecorderCommand,
    parse_segment_name,
    recorder_argv,
    recorder_environment,
    redacted_argv,
    restream_source_url,
)

URL = "rtsp://admin:S3cret@127.0.0.1:8554/main"


def _spec(**overrides: object) -> RecorderCommand:
    values: dict[str, object] = {
        "input_url": URL,
        "recordings_root": Path("/rec"),
        "camera_id": 7,
        "restream_port": 40001,
    }
    values.update(overrides)
    return RecorderCommand(**values)  # type: ignore[arg-type]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _hls_options(argv: list[str]) -> dict[str, str]:
    tee = argv[-1]
    listed = tee[1 : tee.index("]")]
    return dict(item.split("=", 1) for item in listed.split(":"))


def test_argv_reads_the_camera_once_over_tcp_with_a_socket_timeout() -> None:
    argv = recorder_argv(_spec(io_timeout_s=5.0))
    assert argv.count("-i") == 1
    assert _option(argv, "-i") == URL
    assert _option(argv, "-rtsp_transport") == "tcp"
    assert _option(argv, "-timeout") == "5000000"
    assert argv.index("-rtsp_transport") < argv.index("-i")


def test_argv_copies_video_only_and_keeps_the_demuxer_time_base() -> None:
    argv = recorder_argv(_spec())
    assert _option(argv, "-c:v") == "copy"
    assert _option(argv, "-copytb") == "1"
    assert _option(argv, "-map") == "0:v:0"
    assert "-an" in argv
    assert "libx264" not in argv


def test_transcode_encodes_h264_with_a_keyframe_every_segment() -> None:
    argv = recorder_argv(_spec(transcode=True, segment_s=4))
    assert _option(argv, "-c:v") == "libx264"
    assert _option(argv, "-preset") == "veryfast"
    assert _option(argv, "-tune") == "zerolatency"
    assert _option(argv, "-pix_fmt") == "yuv420p"
    assert _option(argv, "-force_key_frames") == "expr:gte(t,n_forced*4)"
    assert "-copytb" not in argv


def test_hls_output_writes_mpegts_segments_with_program_date_time() -> None:
    options = _hls_options(recorder_argv(_spec(segment_s=4, list_size=6)))
    assert options["f"] == "hls"
    assert options["hls_segment_type"] == "mpegts"
    assert options["hls_time"] == "4"
    assert options["hls_list_size"] == "6"
    flags = options["hls_flags"].split("+")
    assert {"program_date_time", "independent_segments", "temp_file"} <= set(flags)
    assert options["strftime"] == "1"
    assert options["strftime_mkdir"] == "1"
    assert options["hls_segment_filename"] == "/rec/7/%Y-%m-%d/main-%Y%m%dT%H%M%SZ-%%d.ts"
    assert recorder_argv(_spec())[-1].split("]", 1)[1].startswith("/rec/7/main.m3u8")


def test_restream_is_a_loopback_udp_output_that_may_fail_without_stopping_recording() -> None:
    tee = recorder_argv(_spec(restream_port=40001))[-1]
    hls, restream = tee.split("|")
    assert restream == (
        "[f=mpegts:onfail=ignore:omit_video_pes_length=0:flush_packets=1]"
        "udp://127.0.0.1:40001?pkt_size=1316"
    )
    assert "onfail" not in hls


def test_a_restream_reader_binds_loopback_with_a_timeout_and_a_receive_ring_of_a_few_mb() -> None:
    # libavformat makes the ring resident as the stream wraps around it: its size is the reader's memory
    # after a while (it was 188 MB per reader, and a host grew by every stream's bitrate for hours)
    url = urlsplit(restream_source_url(40001, timeout_s=2.5))
    assert (url.scheme, url.hostname, url.port) == ("udp", "127.0.0.1", 40001)
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["timeout"] == "2500000"
    ring_bytes = int(query["fifo_size"]) * 188
    assert 512 * 1024 <= ring_bytes <= 4 * 1024 * 1024


def test_without_a_restream_port_there_is_only_the_hls_output() -> None:
    tee = recorder_argv(_spec(restream_port=None))[-1]
    assert "|" not in tee
    assert "udp://" not in tee


@pytest.mark.parametrize(
    ("root", "escaped"),
    [
        pytest.param("/a:b", "/a\\\\:b", id="colon"),
        pytest.param("/a]b", "/a\\\\]b", id="bracket"),
        pytest.param("/a|b", "/a\\|b", id="pipe"),
        pytest.param("/a'b", "/a\\\\\\'b", id="quote"),
        pytest.param("/a\\b", "/a\\\\\\\\b", id="backslash"),
    ],
)
def test_special_characters_in_the_recordings_folder_are_escaped_for_the_tee_muxer(
    root: str, escaped: str
) -> None:
    tee = recorder_argv(_spec(recordings_root=Path(root), restream_port=None))[-1]
    assert f"hls_segment_filename={escaped}/7/" in tee


def test_a_percent_sign_in_the_recordings_folder_is_refused() -> None:
    with pytest.raises(ValueError, match="%"):
        _spec(recordings_root=Path("/rec/100%"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("segment_s", 1, id="segment-too-short"),
        pytest.param("segment_s", 7, id="segment-too-long"),
        pytest.param("restream_port", 0, id="port-zero"),
        pytest.param("restream_port", 70000, id="port-too-high"),
        pytest.param("camera_id", -1, id="negative-camera"),
        pytest.param("io_timeout_s", 0.0, id="no-timeout"),
        pytest.param("list_size", 1, id="list-too-short"),
    ],
)
def test_invalid_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        _spec(**{field: value})


def test_the_command_repr_never_shows_the_url() -> None:
    assert "S3cret" not in repr(_spec())


def test_redacted_argv_masks_the_password_and_quotes_for_a_shell() -> None:
    line = redacted_argv(recorder_argv(_spec()), ["S3cret"])
    assert "S3cret" not in line
    assert "rtsp://admin:***@127.0.0.1:8554/main" in line
    assert line.startswith("ffmpeg -hide_banner")


def test_redacted_argv_masks_a_known_secret_outside_urls() -> None:
    assert redacted_argv(["tool", "--key-file", "hunter22"], ["hunter22"]) == "tool --key-file ***"


def test_recorder_environment_sets_utc_and_keeps_the_rest() -> None:
    env = recorder_environment({"PATH": "/usr/bin", "TZ": "Europe/Berlin"})
    assert env == {"PATH": "/usr/bin", "TZ": "UTC"}


def test_segment_names_date_a_file_found_on_disk() -> None:
    parsed = parse_segment_name("main-20261121T105100Z-1795258260636481.ts")
    assert parsed is not None
    assert parsed.stream is StreamRole.MAIN
    assert parsed.start_ms == calendar.timegm((2026, 11, 21, 10, 51, 0, 0, 0, 0)) * 1000
    assert parsed.sequence == 1795258260636481
    assert parsed.complete


def test_an_unfinished_segment_is_recognised_as_incomplete() -> None:
    parsed = parse_segment_name("sub-20261121T235959Z-17.ts.tmp")
    assert parsed is not None
    assert parsed.stream is StreamRole.SUB
    assert not parsed.complete


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("main.m3u8", id="playlist"),
        pytest.param("main-20261321T105100Z-1.ts", id="bad-month"),
        pytest.param("side-20261121T105100Z-1.ts", id="unknown-stream"),
        pytest.param("main-20261121T105100-1.ts", id="not-utc"),
        pytest.param("main-20261121T105100Z-1.mp4", id="not-mpegts"),
    ],
)
def test_other_file_names_are_not_segments(name: str) -> None:
    assert parse_segment_name(name) is None


def test_segment_names_sort_in_time_order_across_runs() -> None:
    names = [
        "main-20261121T105959Z-1795258260636481.ts",
        "main-20261121T110003Z-1795258260636482.ts",
        "main-20261121T110003Z-1795258264000000.ts",  # a restart within the same second
        "main-20261121T110007Z-1795258264000001.ts",
    ]
    keys = [(p.start_ms, p.sequence) for p in map(parse_segment_name, names) if p is not None]
    assert sorted(names) == names
    assert sorted(keys) == keys
