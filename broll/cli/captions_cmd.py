"""`broll captions transcribe AUDIO_OR_REEL -o words.json`: word timings for `captions: {path: ...}`."""

from __future__ import annotations

import click

from broll.cli.output import console, emit_json


@click.group("captions")
def captions_command() -> None:
    """Caption helpers (captions themselves live in the edit list's captions: block)."""


@captions_command.command("transcribe")
@click.argument("media", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Where the words JSON goes.")
@click.option("--model", default="small", show_default=True, help="faster-whisper model name or folder.")
@click.option("--language", default=None, help="Language code (default: detected).")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
def transcribe_command(media: str, output: str, model: str, language: str | None, as_json: bool) -> None:
    """Transcribe speech with word timings (needs the optional extra: pip install 'broll[transcribe]')."""
    from broll.captions.transcribe import transcribe

    err = console(stderr=True)
    doc = transcribe(media, output, model=model, language=language,
                     on_segment=None if as_json else (lambda t: err.print(f"transcribed to {t:.1f} s")))
    words = sum(len(s["words"]) for s in doc["segments"])
    if as_json:
        emit_json({"output": output, "segments": len(doc["segments"]), "words": words, "language": doc["language"]})
        return
    err.print(f"[green]wrote[/green] {output}: {len(doc['segments'])} segment(s), {words} word(s)")
    click.echo(output)
