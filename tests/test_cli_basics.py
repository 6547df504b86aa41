import subprocess
import sys

from click.testing import CliRunner

from broll.cli import main


def test_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "probe" in result.output and "presets" in result.output


def test_unknown_command_suggests():
    proc = subprocess.run([sys.executable, "-m", "broll", "prob"], capture_output=True, text=True)
    assert proc.returncode == 2 and "did you mean 'probe'" in proc.stderr


def test_probe_missing_file_is_one_line_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "broll", "probe", str(tmp_path / "nope.mp4")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: ") and "nope.mp4: file not found" in proc.stderr


def test_presets_lists_all_social_formats():
    result = CliRunner().invoke(main, ["presets", "--json"])
    assert result.exit_code == 0
    for name in ("youtube-1080p", "youtube-4k", "shorts", "reels", "tiktok", "instagram-square",
                 "instagram-portrait", "x-landscape", "linkedin-square", "16x9-1080p", "9x16-1080p",
                 "1x1-1080p", "4x5-1080p"):
        assert name in result.output
