"""The only code that knows codecs and starts FFmpeg: probe, decode, run, synthesise."""

from broll.media.ffmpeg import ffmpeg_path, run_ffmpeg, FFmpegProgress
from broll.media.probe import MediaInfo, probe

__all__ = ["ffmpeg_path", "run_ffmpeg", "FFmpegProgress", "MediaInfo", "probe"]
